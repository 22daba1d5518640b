// A consumer group resumes after the last acknowledged event: stop the engine mid-topic, start it
// again, and nothing is skipped and nothing acknowledged is read twice. A nacked event is read
// again, and only from it on; nack_policy decides what happens after max_retries.

#include <map>
#include <set>

#include <gmock/gmock.h>
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
    source: {type: kafka, topics: [)" +
         topic + "], group: " + group + R"(, batch_size: 50}
    sinks: [{type: capture, name: )" +
         capture + "}]\n";
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
  auto first =
      make_engine("engine: {shutdown_timeout: 1s}\npipelines:\n  in:\n    source: {type: kafka, topics: [" + topic +
                  "], group: " + group + ", batch_size: 50}\n    sinks: [{type: gate, name: first, pass: 500}]\n");
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

// Twenty events {"seq":N,"v":"N"} in a one-partition topic: seq 1 to 20 at offsets 0 to 19.
void fill_twenty(const std::string& topic) {
  reset_test_components();
  ASSERT_EQ(make_engine("pipelines:\n  fill:\n    source: {type: generator, count: 20, payload: "
                        "'{\"seq\":{{seq}},\"v\":\"{{seq}}\"}'}\n"
                        "    sinks: [{type: kafka, topic: " +
                        topic + "}]\n")
                ->run(),
            0);
}

// How often each seq was delivered to a capture sink.
std::map<int, int> reads_of(const std::string& capture) {
  std::map<int, int> reads;
  for (const auto& p : capture_store(capture)->snapshot()) ++reads[nlohmann::json::parse(p)["seq"].get<int>()];
  return reads;
}

// Every read reaches both sinks: `seen` records it, and the fail sink nacks seq 7 (offset 6) each time.
std::string failing_seven(const std::string& topic, const std::string& group, const std::string& options) {
  return R"(pipelines:
  in:
    source: {type: kafka, topics: [)" +
         topic + "], group: " + group + ", " + options + R"(}
    sinks: [{type: capture, name: seen}, {type: fail, marker: '"v":"7"'}]
)";
}

TEST(KafkaResume, ANackedEventIsReadAgainAndNeverCommittedPast) {
  const std::string topic = kafka::unique_name("nack");
  const std::string group = kafka::unique_name("group");
  fill_twenty(topic);
  reset_test_components();
  // max_retries 2: after three reads, nack_policy retry keeps reading it (no dead_letter sink).
  auto engine =
      make_engine(failing_seven(topic, group, "retry_backoff: 50ms, retry_backoff_max: 200ms, max_retries: 2"));
  engine->start();
  ASSERT_TRUE(eventually([] { return reads_of("seen")[7] >= 5; }, std::chrono::seconds(30)))
      << "the nacked event is read again, past max_retries too (nack_policy: retry)";
  engine->request_stop();
  engine->wait();
  engine.reset();
  const auto reads = reads_of("seen");
  for (int seq = 1; seq < 7; ++seq) {
    EXPECT_EQ(reads.count(seq) ? reads.at(seq) : 0, 1)
        << "event " << seq << " was delivered before 7 failed: read once";
  }
  for (int seq = 8; seq <= 20; ++seq) EXPECT_GE(reads.count(seq) ? reads.at(seq) : 0, 1) << "event " << seq;
  EXPECT_EQ(kafka::committed_offset(group, topic), 6) << "committed up to the nacked event (offset 6), never past it";

  // A new run with the same group starts at the nacked event.
  reset_test_components();
  auto again = make_engine(consumer_yaml(topic, group, "again"));
  again->start();
  ASSERT_TRUE(eventually([] { return capture_store("again")->size() >= 14; }, std::chrono::seconds(30)));
  again->request_stop();
  ASSERT_EQ(again->wait(), 0);
  const auto again_ids = ids_of(capture_store("again")->snapshot());
  EXPECT_EQ(*again_ids.begin(), 7);
  EXPECT_EQ(again_ids.size(), 14u);
}

// README: without a dead_letter block, `nack_policy: skip` commits past an event that failed
// max_retries times (it is lost to this group) and the partition goes on.
TEST(KafkaResume, NackPolicySkipCommitsPastAnEventThatKeepsFailing) {
  const std::string topic = kafka::unique_name("skip");
  const std::string group = kafka::unique_name("group");
  fill_twenty(topic);
  reset_test_components();
  testing::internal::CaptureStderr();
  auto engine = make_engine(failing_seven(topic, group, "retry_backoff: 50ms, max_retries: 2, nack_policy: skip"));
  engine->start();
  const bool committed =
      eventually([&] { return kafka::committed_offset(group, topic) == 20; }, std::chrono::seconds(30));
  engine->request_stop();
  engine->wait();
  engine.reset();
  const std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(committed) << "the whole partition is committed, past the failing event";
  const auto reads = reads_of("seen");
  EXPECT_EQ(reads.count(7) ? reads.at(7) : 0, 3) << "read once and retried max_retries times, then skipped";
  EXPECT_THAT(log, ::testing::HasSubstr("gave up on partition 0 offset 6 (")) << log;
  EXPECT_THAT(log, ::testing::HasSubstr("it is skipped (nack_policy: skip)")) << log;
}

TEST(KafkaResume, ARebalanceLosesNothing) {
  constexpr int kMany = 20000;
  const std::string topic = kafka::unique_name("rebalance");
  const std::string group = kafka::unique_name("group");
  reset_test_components();
  // Events keep arriving for about ten seconds, so both consumers have work while partitions move.
  auto producer =
      make_engine("pipelines:\n  fill:\n    source: {type: generator, rate: 2000, count: " + std::to_string(kMany) +
                  "}\n    sinks: [{type: kafka, topic: " + topic + ", partitions: 4}]\n");
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
  ASSERT_TRUE(eventually(
      [&] {
        all = ids_of(capture_store("first")->snapshot());
        const auto more = ids_of(capture_store("second")->snapshot());
        all.insert(more.begin(), more.end());
        return all.size() >= static_cast<std::size_t>(kMany);
      },
      std::chrono::seconds(60)))
      << "every event arrives at least once across the rebalances";
  second->request_stop();
  ASSERT_EQ(second->wait(), 0);
  EXPECT_EQ(producer->wait(), 0);
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kMany));
}

}  // namespace
}  // namespace sluice::test
