// A three-node cluster as scripts/kafka runs it, and the kafka sink's topic on it: the nodes form
// one cluster, the topic the sink creates has three replicas per partition and min.insync.replicas
// 2 as a topic config, every event `sluice run` acknowledged is in it exactly once, and one node
// stops and restarts on its own. The cluster is the test's own (free ports, a temporary folder),
// never the shared broker; the engine is the real executable, the checks use kcat and librdkafka.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kafka_cluster_support.hpp"
#include "kafka_test_support.hpp"
#include "subprocess.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr int kEvents = 3000;

int pid_in(const std::string& file) {
  std::ifstream in(file);
  int pid = -1;
  in >> pid;
  return pid;
}

TEST(KafkaCluster, ThreeNodesHoldTheSinksTopicWithThreeReplicasAndOneNodeStopsAlone) {
  const auto began = std::chrono::steady_clock::now();
  const auto seconds_since = [&](std::chrono::steady_clock::time_point from) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - from).count() /
           1000.0;
  };
  std::vector<int> node_pids;
  {
    kafka::PrivateCluster cluster;
    ASSERT_TRUE(cluster.running());
    std::cout << "three-node cluster on " << cluster.bootstrap() << " started in " << cluster.start_time().count()
              << " ms" << std::endl;
    for (int n = 1; n <= 3; ++n) node_pids.push_back(pid_in(cluster.node_dir(n) + "/kafka.pid"));

    // Every node answers on its own port (kcat is given that node alone: it learns the others
    // only from its answer), and each knows all three brokers.
    for (int n = 1; n <= 3; ++n) {
      SCOPED_TRACE("node " + std::to_string(n));
      const Finished md = kafka::kcat({"-b", cluster.address(n), "-L", "-m", "10"});
      ASSERT_EQ(md.code, 0) << md.err;
      EXPECT_THAT(md.out, HasSubstr("\n 3 brokers:\n"));
      for (int m = 1; m <= 3; ++m)
        EXPECT_THAT(md.out, HasSubstr("broker " + std::to_string(m) + " at " + cluster.address(m)));
    }

    // The engine, as a user runs it: a generator into a kafka sink that creates its topic.
    const std::string topic = kafka::unique_name("cluster");
    const std::string file = cluster.dir() + "/pipeline.yaml";
    std::ofstream(file) << "pipelines:\n"
                           "  to_cluster:\n"
                           "    source: {type: generator, count: "
                        << kEvents
                        << "}\n"
                           "    sinks:\n"
                           "      - type: kafka\n"
                           "        brokers: ["
                        << cluster.address(1) << ", " << cluster.address(2) << ", " << cluster.address(3)
                        << "]\n"
                           "        topic: "
                        << topic
                        << "\n"
                           "        partitions: 3\n"
                           "        replication: 3\n"
                           "        min_insync_replicas: 2\n";
    const auto run_began = std::chrono::steady_clock::now();
    Subprocess run({SLUICE_TEST_BINARY, "run", file});
    // It ends by itself once the generator's events are all acknowledged.
    ASSERT_EQ(run.wait(std::chrono::seconds(60)), 0) << run.err();
    EXPECT_THAT(run.err(), HasSubstr("made " + std::to_string(kEvents) + " events: " + std::to_string(kEvents) +
                                     " acknowledged, 0 failed"));
    std::cout << "sluice run delivered " << kEvents << " events in " << seconds_since(run_began) << " s" << std::endl;

    // The topic has three replicas per partition, all in sync...
    const auto partitions = kafka::topic_replicas(topic, cluster.address(1));
    ASSERT_EQ(partitions.size(), 3u);
    for (const auto& p : partitions) {
      SCOPED_TRACE("partition " + std::to_string(p.partition));
      EXPECT_THAT(p.replicas, UnorderedElementsAre(1, 2, 3));
      EXPECT_THAT(p.in_sync, UnorderedElementsAre(1, 2, 3));
    }
    // ... and min.insync.replicas 2 as its own config: the cluster's default is 2 too, so the
    // source must say it was set on the topic.
    const auto min_isr = kafka::topic_config(topic, "min.insync.replicas", cluster.bootstrap());
    ASSERT_EQ(min_isr.error, "");
    EXPECT_EQ(min_isr.value, "2");
    EXPECT_EQ(min_isr.source, RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG);

    // Every acknowledged event is there, once.
    const auto messages = kafka::read_topic(topic, std::chrono::seconds(60), cluster.bootstrap());
    std::multiset<std::string> values;
    for (const auto& m : messages) values.insert(m.value);
    std::multiset<std::string> expected;
    for (int i = 1; i <= kEvents; ++i) expected.insert(R"({"seq":)" + std::to_string(i) + "}");
    EXPECT_EQ(values, expected);

    // One node stops; the others go on.
    const Finished stop2 = cluster.script("stop", 2);
    ASSERT_EQ(stop2.code, 0) << stop2.err;
    EXPECT_EQ(kill(node_pids[1], 0), -1) << "node 2's JVM still runs";
    EXPECT_FALSE(std::filesystem::exists(cluster.node_dir(2) + "/kafka.pid"));
    const Finished status = cluster.script("status");
    EXPECT_NE(status.code, 0) << "status is a failure while a node is down";
    EXPECT_THAT(status.err, HasSubstr("node 1: running on " + cluster.address(1)));
    EXPECT_THAT(status.err, HasSubstr("node 2: down"));
    EXPECT_THAT(status.err, HasSubstr("node 3: running on " + cluster.address(3)));
    EXPECT_EQ(cluster.script("status", 1).code, 0);
    EXPECT_NE(cluster.script("status", 2).code, 0);

    // It comes back on its own, and the cluster is whole again.
    const Finished start2 = cluster.script("start", 2);
    ASSERT_EQ(start2.code, 0) << start2.err;
    const Finished whole = cluster.script("status");
    EXPECT_EQ(whole.code, 0) << whole.err;
    EXPECT_THAT(whole.err, HasSubstr("brokers listed: 1 2 3"));
    node_pids[1] = pid_in(cluster.node_dir(2) + "/kafka.pid");
  }
  // The cluster's destructor stopped every node.
  for (int pid : node_pids) EXPECT_EQ(kill(pid, 0), -1) << "pid " << pid << " still runs";
  std::cout << "the whole test took " << seconds_since(began) << " s" << std::endl;
}

}  // namespace
}  // namespace sluice::test
