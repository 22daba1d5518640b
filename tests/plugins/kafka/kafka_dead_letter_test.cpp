// A poison message on a real broker: the kafka source hands it on, json_validate rejects it, the
// pipeline's dead-letter sink writes it to a dead-letter topic with why; the partition moves on
// and its offset is committed only once the dead-letter topic has it. And a sink that keeps
// failing one event: after max_retries that event is dead-lettered and the rest go on.

#include <algorithm>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_harness.hpp"
#include "kafka_test_support.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;

std::string click(int seq) { return R"({"page":"/p","clickNumber":)" + std::to_string(seq) + "}"; }
// Not UTF-8: the byte 0xff inside a JSON string.
const std::string kPoison = "{\"page\":\"\xff\xfe\",\"clickNumber\":99}";

// Ten good clicks with the poison between the fifth and the sixth: offsets 0-4 good, 5 poison, 6-10 good.
std::vector<std::string> poisoned_topic() {
  std::vector<std::string> values;
  for (int i = 0; i < 5; ++i) values.push_back(click(i));
  values.push_back(kPoison);
  for (int i = 5; i < 10; ++i) values.push_back(click(i));
  return values;
}

std::vector<int> seqs(const std::vector<std::string>& payloads) {
  std::vector<int> out;
  for (const auto& p : payloads) out.push_back(nlohmann::json::parse(p)["clickNumber"].get<int>());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> zero_to(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

std::string source(const std::string& topic, const std::string& group, const std::string& extra = "") {
  return "{type: kafka, topics: [" + topic + "], group: " + group + extra + "}";
}

TEST(KafkaDeadLetter, APoisonMessageEndsInTheDeadLetterTopicWithItsReasonAndThePartitionMovesOn) {
  const std::string topic = kafka::unique_name("poison");
  const std::string dlq = kafka::unique_name("clicks-dlq");
  const std::string group = kafka::unique_name("group");
  kafka::produce(topic, poisoned_topic());
  reset_test_components();
  auto engine = make_engine("pipelines:\n  in:\n    source: " + source(topic, group) + R"(
    transforms: [{type: json_validate, required: {page: string, clickNumber: number}}]
    sinks: [{type: capture, name: good}]
    dead_letter:
      sink: {type: kafka, topic: )" +
                            dlq + R"(, metadata_headers: [dead_letter., kafka.]}
)");
  engine->start();
  ASSERT_TRUE(eventually([&] { return capture_store("good")->size() >= 10 && kafka::topic_size(dlq) >= 1; },
                         std::chrono::seconds(60)))
      << "the good clicks after the poison arrive, and the poison reaches the dead-letter topic";
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);
  engine.reset();

  EXPECT_EQ(seqs(capture_store("good")->snapshot()), zero_to(10)) << "every good click once: none lost, none twice";
  const auto dead = kafka::read_topic(dlq);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].value, kPoison) << "the bytes as they came";
  auto headers = dead[0].headers;
  EXPECT_EQ(headers["dead_letter.component"], "transforms[0] json_validate");
  EXPECT_THAT(headers["dead_letter.reason"], HasSubstr("UTF-8"));
  EXPECT_FALSE(headers["dead_letter.at"].empty());
  EXPECT_EQ(headers["kafka.topic"], topic);
  EXPECT_EQ(headers["kafka.partition"], "0");
  EXPECT_EQ(headers["kafka.offset"], "5");
  EXPECT_EQ(kafka::committed_offset(group, topic), 11) << "committed past the poison once it was dead-lettered";
}

TEST(KafkaDeadLetter, NothingIsCommittedPastThePoisonUntilTheDeadLetterSinkConfirmedIt) {
  const std::string topic = kafka::unique_name("poison-held");
  const std::string group = kafka::unique_name("group");
  kafka::produce(topic, poisoned_topic());
  reset_test_components();
  // One message per emit, so each offset is acknowledged on its own. The dead-letter sink holds
  // what it gets until the shutdown deadline, then fails it.
  auto engine = make_engine(
      "engine: {shutdown_timeout: 1s}\npipelines:\n  in:\n    source: " + source(topic, group, ", batch_size: 1") + R"(
    transforms: [{type: json_validate, required: {page: string, clickNumber: number}}]
    sinks: [{type: capture, name: good}]
    dead_letter: {sink: {type: gate, name: dlq}}
)");
  engine->start();
  ASSERT_TRUE(eventually([] { return capture_store("good")->size() >= 10 && gate("dlq")->held_batches() == 1; },
                         std::chrono::seconds(60)));
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 1) << "the held dead letter was never confirmed";
  engine.reset();
  EXPECT_EQ(kafka::committed_offset(group, topic), 5) << "everything before the poison, and nothing past it";

  // The next run reads the poison again (and what followed it, at least once) and dead-letters it.
  reset_test_components();
  auto again = make_engine("pipelines:\n  in:\n    source: " + source(topic, group) + R"(
    transforms: [{type: json_validate, required: {page: string, clickNumber: number}}]
    sinks: [{type: capture, name: good}]
    dead_letter: {sink: {type: capture, name: dlq}}
)");
  again->start();
  ASSERT_TRUE(eventually([] { return capture_store("dlq")->size() == 1 && capture_store("good")->size() >= 5; },
                         std::chrono::seconds(60)));
  again->request_stop();
  ASSERT_EQ(again->wait(), 0);
  again.reset();
  EXPECT_EQ(seqs(capture_store("good")->snapshot()), (std::vector<int>{5, 6, 7, 8, 9}));
  EXPECT_EQ(kafka::committed_offset(group, topic), 11);
}

TEST(KafkaDeadLetter, AfterMaxRetriesAnEventASinkKeepsFailingIsDeadLetteredAndTheRestGoesOn) {
  const std::string topic = kafka::unique_name("stuck");
  const std::string group = kafka::unique_name("group");
  std::vector<std::string> values;
  for (int i = 0; i < 3; ++i) values.push_back(click(i));
  values.push_back(R"({"page":"/stuck","clickNumber":99})");
  for (int i = 3; i < 6; ++i) values.push_back(click(i));
  kafka::produce(topic, values);
  reset_test_components();
  auto engine =
      make_engine("pipelines:\n  in:\n    source: " +
                  source(topic, group, ", max_retries: 2, retry_backoff: 50ms, retry_backoff_max: 200ms") + R"(
    sinks: [{type: fail, marker: stuck, reason: 'the database said no', name: good}]
    dead_letter: {sink: {type: capture, name: dlq}}
)");
  engine->start();
  ASSERT_TRUE(eventually([] { return capture_store("dlq")->size() == 1; }, std::chrono::seconds(60)));
  ASSERT_TRUE(eventually(
      [] {
        auto s = seqs(capture_store("good")->snapshot());
        return std::set<int>(s.begin(), s.end()).size() == 6;
      },
      std::chrono::seconds(60)))
      << "the events around the stuck one are delivered";
  // After the dead letter is confirmed the offset is committed past it (stored now, committed at stop).
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);
  engine.reset();

  {
    Captured dlq = capture_store("dlq")->captured();
    ASSERT_EQ(dlq.payloads.size(), 1u);
    EXPECT_EQ(dlq.payloads[0], values[3]);
    auto& meta = dlq.metadata[0];
    EXPECT_EQ(meta["dead_letter.component"], "sinks[0] fail");
    EXPECT_EQ(meta["dead_letter.reason"], "the database said no (after 2 retries)");
    EXPECT_EQ(meta["kafka.offset"], "3");
  }
  // Tried once, then twice more, then dead-lettered: every read of it was refused by the sink.
  EXPECT_EQ(kafka::committed_offset(group, topic), 7);
}

TEST(KafkaDeadLetter, AMessageTheBrokerRefusesForGoodIsDeadLettered) {
  const std::string in = kafka::unique_name("big-in");
  const std::string out = kafka::unique_name("big-out");
  const std::string group = kafka::unique_name("group");
  kafka::produce(in, {click(0), R"({"page":")" + std::string(4000, 'x') + R"(","clickNumber":1})", click(2)});
  reset_test_components();
  // The sink's producer takes messages of at most 2000 bytes: the big one can never be sent.
  auto engine = make_engine("pipelines:\n  in:\n    source: " + source(in, group) + R"(
    sinks: [{type: kafka, topic: )" +
                            out + R"(, properties: {message.max.bytes: '2000'}}]
    dead_letter: {sink: {type: capture, name: dlq}}
)");
  engine->start();
  ASSERT_TRUE(eventually([&] { return capture_store("dlq")->size() == 1 && kafka::topic_size(out) >= 2; },
                         std::chrono::seconds(60)));
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);
  engine.reset();
  Captured dlq = capture_store("dlq")->captured();
  ASSERT_EQ(dlq.payloads.size(), 1u);
  EXPECT_THAT(dlq.payloads[0], HasSubstr("xxxx"));
  EXPECT_EQ(dlq.metadata[0]["dead_letter.component"], "sinks[0] kafka");
  EXPECT_THAT(dlq.metadata[0]["dead_letter.reason"], HasSubstr("too large"));
  EXPECT_EQ(kafka::committed_offset(group, in), 3);
}

}  // namespace
}  // namespace sluice::test
