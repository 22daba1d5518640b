// The kafka sink's `create_topic: false` against the real broker (which creates no topic on its
// own: auto.create.topics.enable=false). The sink never creates the topic; while it is missing,
// each event is nacked with a reason that says so; once the topic exists, events are delivered.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "kafka_test_support.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;

TEST(KafkaCreateTopic, WithCreateTopicFalseAMissingTopicIsNotCreatedAndItsEventsAreNacked) {
  const std::string topic = kafka::unique_name("absent");
  // librdkafka calls a topic missing after topic.metadata.propagation.max.ms (30 s by default);
  // shortened here so the test does not wait that long.
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    source: {type: scripted, name: src}
    sinks: [{type: kafka, topic: )" + topic + R"(, create_topic: false, message_timeout: 2m,
             properties: {topic.metadata.propagation.max.ms: '2000'}}]
)");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(source->emit({"early" + std::to_string(i)}));
  ASSERT_TRUE(acks->wait_for(3, std::chrono::seconds(60))) << "every event is answered, before message_timeout";
  {
    std::lock_guard lock(acks->mutex);
    EXPECT_EQ(acks->acked_events, 0u);
    EXPECT_EQ(acks->failed_events, 3u);
    for (const auto& r : acks->results) {
      EXPECT_FALSE(r.ok);
      EXPECT_THAT(r.reason, HasSubstr("topic '" + topic + "' does not exist and create_topic is false"));
    }
  }
  EXPECT_FALSE(kafka::topic_exists(topic)) << "the sink did not create it";

  // Someone creates the topic: the sink delivers to it (a source retries what was nacked).
  kafka::produce(topic, {});
  std::size_t answered = 3;
  bool delivered = false;
  ASSERT_TRUE(eventually(
      [&] {
        EXPECT_TRUE(source->emit({"later"}));
        if (!acks->wait_for(++answered, std::chrono::seconds(30))) return false;
        std::lock_guard lock(acks->mutex);
        return delivered = acks->results.back().ok;
      },
      std::chrono::seconds(60)));
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);
  ASSERT_TRUE(delivered);
  const auto messages = kafka::read_topic(topic);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.back().value, "later");
}

}  // namespace
}  // namespace sluice::test
