// The broker goes away and comes back: nothing the sink acknowledged is missing afterwards, the
// engine does not crash, says what is wrong, and delivers again by itself.

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "kafka_test_support.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

// Whatever happens in a test, the next one finds the broker running.
class KafkaBrokerDown : public ::testing::Test {
 protected:
  void TearDown() override { kafka::broker("start"); }
};

TEST_F(KafkaBrokerDown, EveryAckedEventIsInTheTopicAfterABrokerRestart) {
  const std::string topic = kafka::unique_name("restart");
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    queue_capacity: 2000
    source: {type: scripted, name: src}
    sinks: [{type: kafka, topic: )" + topic + R"(, message_timeout: 2m}]
)");
  Producer producer(source);
  ASSERT_TRUE(eventually([&] { return acks->answered() >= 3000; }, std::chrono::seconds(60)));
  kafka::broker("stop");
  const std::size_t at_stop = acks->answered();
  kafka::broker("start");
  ASSERT_TRUE(eventually([&] { return acks->answered() >= at_stop + 3000; }, std::chrono::seconds(120)))
      << "delivery resumes by itself once the broker is back";
  engine->request_stop();
  producer.join();
  ASSERT_EQ(engine->wait(), 0);

  std::vector<std::string> acked;
  {
    std::lock_guard lock(acks->mutex);
    acked = acks->acked_payloads;
  }
  std::set<std::string> in_topic;
  for (const auto& m : kafka::read_topic(topic)) in_topic.insert(m.value);
  std::size_t missing = 0;
  for (const auto& p : acked) missing += in_topic.count(p) == 0;
  EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged events";
  EXPECT_GT(acked.size(), at_stop);
}

TEST_F(KafkaBrokerDown, UnreachableAtStartThenRecovers) {
  kafka::broker("stop");
  const std::string topic = kafka::unique_name("late");
  testing::internal::CaptureStderr();
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    source: {type: scripted, name: src}
    sinks: [{type: kafka, topic: )" + topic + R"(, message_timeout: 2m}]
  in:
    source: {type: kafka, topics: [)" + topic + "], group: " + kafka::unique_name("group") + R"(}
    sinks: [{type: capture, name: in}]
)");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(source->emit({"e" + std::to_string(i)}));
  // Nothing can be confirmed while the broker is away, and nothing is falsely confirmed.
  EXPECT_FALSE(acks->wait_for(1, std::chrono::seconds(2)));
  kafka::broker("start");
  ASSERT_TRUE(acks->wait_for(10, std::chrono::seconds(90)));
  EXPECT_EQ(acks->acked_events, 10u);
  ASSERT_TRUE(eventually([] { return capture_store("in")->size() >= 10; }, std::chrono::seconds(60)))
      << "the consumer started without a broker and reads once it is there";
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, ::testing::HasSubstr("Kafka: ")) << "the outage was reported";
  EXPECT_THAT(log, ::testing::HasSubstr("librdkafka keeps retrying"));
}

TEST_F(KafkaBrokerDown, ShutdownWithTheBrokerDownNacksWithinTheDeadline) {
  const std::string topic = kafka::unique_name("down-at-stop");
  {
    // Create the topic while the broker is there, so only delivery is left to fail.
    reset_test_components();
    ASSERT_EQ(make_engine("pipelines:\n  p:\n    source: {type: generator, count: 1}\n    sinks: [{type: kafka, topic: " +
                          topic + "}]\n")->run(), 0);
  }
  kafka::broker("stop");
  auto [engine, source, acks] = start_scripted(R"(engine: {shutdown_timeout: 2s}
pipelines:
  out:
    source: {type: scripted, name: src}
    sinks: [{type: kafka, topic: )" + topic + R"(, message_timeout: 5m}]
)");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(source->emit({"e" + std::to_string(i)}));
  const auto stopped_at = std::chrono::steady_clock::now();
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 1) << "events were left undelivered: the exit code says so";
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(10)) << "within the deadline, not message_timeout";
  ASSERT_TRUE(acks->wait_for(5, std::chrono::milliseconds(0))) << "every event got an answer";
  EXPECT_EQ(acks->failed_events, 5u);
  EXPECT_EQ(acks->acked_events, 0u);
}

}  // namespace
}  // namespace sluice::test
