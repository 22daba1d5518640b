#pragma once
// A three-node Kafka cluster of the test's own (scripts/kafka start --brokers 3 on free ports in
// a temporary folder), the tools to look at it from outside the plugin (kcat, librdkafka's admin
// API), and to stop and start one node: for the cluster tests and the fault tests built on them.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "subprocess.hpp"

namespace sluice::test::kafka {

class PrivateCluster {
 public:
  static constexpr int kNodes = 3;

  // Starts the cluster (SLUICE_KAFKA_STOP_WITH: it stops if the test process dies); adds a test
  // failure when it could not: check running().
  PrivateCluster();
  // Stops every node and removes the folder.
  ~PrivateCluster();
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  bool running() const { return running_; }
  // scripts/kafka ACTION for the whole cluster (node 0) or for node 1..3 (--node N).
  Finished script(const std::string& action, int node = 0) const;

  // "127.0.0.1:PORT" of node 1..3.
  std::string address(int node) const;
  // The three addresses, comma-separated, for librdkafka's bootstrap.servers.
  std::string bootstrap() const;
  // Node 1..3's folder: data/, kafka.log, kafka.pid (its JVM, for kill -9 or SIGSTOP).
  std::string node_dir(int node) const;
  // The folder the test may write its own files to; removed with the cluster.
  const std::string& dir() const { return dir_; }
  // How long the start took (printed by the tests: start-up time on a busy machine).
  std::chrono::milliseconds start_time() const { return start_time_; }

 private:
  std::string dir_;
  int base_port_ = 0;
  std::map<std::string, std::string> env_;
  bool running_ = false;
  std::chrono::milliseconds start_time_{0};
};

// Runs kcat with `args` (at most 60 s).
Finished kcat(const std::vector<std::string>& args);

// A topic's replicas as kcat -L reports them: for each partition, its replica ids and in-sync ids.
struct PartitionReplicas {
  int partition = -1;
  std::vector<int> replicas;
  std::vector<int> in_sync;
};
std::vector<PartitionReplicas> topic_replicas(const std::string& topic, const std::string& brokers);

// One config entry of a topic, through librdkafka's DescribeConfigs (not the plugin's code).
struct TopicConfigEntry {
  std::string value;
  rd_kafka_ConfigSource_t source = RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG;
  std::string error;  // set when the entry could not be read
};
TopicConfigEntry topic_config(const std::string& topic, const std::string& name, const std::string& brokers);

}  // namespace sluice::test::kafka
