// A consumer group resumes after the last acknowledged event: stop the engine mid-topic, start it
// again, and nothing is skipped and nothing acknowledged is read twice.

#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_harness.hpp"
#include "kafka_test_support.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

constexpr int kEvents = 3000;

std::string consumer_yaml(const std::string& topic, const std::string& group, const std::string& capture) {
  return R"(pipelines:
  in:
    source: {type: kafka, topics: [)" + topic + "], group: " + group + R"(, batch_size: 50}
    sinks: [{type: capture, name: )" + capture + "}]\n";
}

std::set<int> ids_of(const std::vector<std::string>& payloads) {
  std::set<int> ids;
  for (const auto& p : payloads) ids.insert(nlohmann::json::parse(p)["seq"].get<int>());
  return ids;
}

TEST(KafkaResume, ARestartedConsumerGoesOnWhereTheAcksStopped) {
  const std::string topic = kafka::unique_name("resume");
  const std::string group = kafka::unique_name("group");
  reset_test_components();
  ASSERT_EQ(make_engine("pipelines:\n  fill:\n    source: {type: generator, count: " + std::to_string(kEvents) +
                        "}\n    sinks: [{type: kafka, topic: " + topic + ", partitions: 3}]\n")
                ->run(),
            0);
  ASSERT_EQ(kafka::topic_size(topic), kEvents);

  // First run: its sink confirms 500 events, then holds the rest until the shutdown deadline
  // fails them. Only the confirmed ones were acknowledged.
  auto first = make_engine("engine: {shutdown_timeout: 1s}\npipelines:\n  in:\n    source: {type: kafka, topics: [" +
                           topic + "], group: " + group + ", batch_size: 50}\n    sinks: [{type: gate, name: first, pass: 500}]\n");
  first->start();
  ASSERT_TRUE(eventually([] { return gate("first")->held_batches() >= 1; }, std::chrono::seconds(60)));
  first->request_stop();
  EXPECT_EQ(first->wait(), 1) << "held events were nacked at the deadline";
  first.reset();
  const std::vector<std::string> confirmed = gate("first")->confirmed();
  const auto first_ids = ids_of(confirmed);
  ASSERT_EQ(first_ids.size(), confirmed.size()) << "no duplicates within one run";
  ASSERT_LT(first_ids.size(), static_cast<std::size_t>(kEvents)) << "the test must stop mid-topic";

  // Second run, same group: the rest, and only the rest.
  auto second = make_engine(consumer_yaml(topic, group, "second"));
  second->start();
  ASSERT_TRUE(eventually([&] { return first_ids.size() + capture_store("second")->size() >= kEvents; },
                         std::chrono::seconds(60)));
  second->request_stop();
  ASSERT_EQ(second->wait(), 0);
  const auto second_payloads = capture_store("second")->snapshot();
  const auto second_ids = ids_of(second_payloads);
  EXPECT_EQ(second_ids.size(), second_payloads.size()) << "no duplicates within the second run";

  std::set<int> both;
  for (int id : second_ids) {
    ASSERT_EQ(first_ids.count(id), 0u) << "event " << id << " was acknowledged in the first run and read again";
  }
  both.insert(first_ids.begin(), first_ids.end());
  both.insert(second_ids.begin(), second_ids.end());
  EXPECT_EQ(both.size(), static_cast<std::size_t>(kEvents)) << "nothing skipped";
}

TEST(KafkaResume, ANackedEventIsReadAgainAndNeverCommittedPast) {
  const std::string topic = kafka::unique_name("nack");
  const std::string group = kafka::unique_name("group");
  reset_test_components();
  ASSERT_EQ(make_engine("pipelines:\n  fill:\n    source: {type: generator, count: 20, payload: '{\"seq\":{{seq}},\"v\":\"{{seq}}\"}'}\n"
                        "    sinks: [{type: kafka, topic: " + topic + "}]\n")->run(), 0);
  auto engine = make_engine(R"(pipelines:
  in:
    source: {type: kafka, topics: [)" + topic + "], group: " + group + R"(, retry_backoff: 100ms}
    transforms: [{type: reject, marker: '"v":"7"'}]
    sinks: [{type: capture, name: seen}]
)");
  engine->start();
  // Event 7 is rejected, read again, rejected again...: the others all arrive at least once.
  ASSERT_TRUE(eventually([] { return ids_of(capture_store("seen")->snapshot()).size() >= 19; }, std::chrono::seconds(30)));
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);
  engine.reset();

  // The committed offset is at event 7 at most: a new run with the same group reads it again.
  reset_test_components();
  auto again = make_engine(consumer_yaml(topic, group, "again"));
  again->start();
  ASSERT_TRUE(eventually([] { return ids_of(capture_store("again")->snapshot()).count(7) == 1; }, std::chrono::seconds(30)))
      << "the rejected event was never acknowledged, so it was not committed past";
  again->request_stop();
  ASSERT_EQ(again->wait(), 0);
}

TEST(KafkaResume, ARebalanceLosesNothing) {
  constexpr int kMany = 20000;
  const std::string topic = kafka::unique_name("rebalance");
  const std::string group = kafka::unique_name("group");
  reset_test_components();
  // Events keep arriving for about ten seconds, so both consumers have work while partitions move.
  auto producer = make_engine("pipelines:\n  fill:\n    source: {type: generator, rate: 2000, count: " +
                              std::to_string(kMany) + "}\n    sinks: [{type: kafka, topic: " + topic +
                              ", partitions: 4}]\n");
  producer->start();
  // A second consumer joins mid-stream (partitions move to it), then the first leaves (they move back).
  auto first = make_engine(consumer_yaml(topic, group, "first"));
  first->start();
  ASSERT_TRUE(eventually([] { return capture_store("first")->size() >= 2000; }, std::chrono::seconds(60)));
  auto second = make_engine(consumer_yaml(topic, group, "second"));
  second->start();
  ASSERT_TRUE(eventually([] { return capture_store("second")->size() >= 1; }, std::chrono::seconds(60)))
      << "the newcomer was given partitions";
  first->request_stop();
  ASSERT_EQ(first->wait(), 0);
  first.reset();
  std::set<int> all;
  ASSERT_TRUE(eventually([&] {
    all = ids_of(capture_store("first")->snapshot());
    const auto more = ids_of(capture_store("second")->snapshot());
    all.insert(more.begin(), more.end());
    return all.size() >= static_cast<std::size_t>(kMany);
  }, std::chrono::seconds(60))) << "every event arrives at least once across the rebalances";
  second->request_stop();
  ASSERT_EQ(second->wait(), 0);
  EXPECT_EQ(producer->wait(), 0);
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kMany));
}

}  // namespace
}  // namespace sluice::test
