// The aggregate's topic history (plugins/clicks/topic_history.*) against the real broker: where a
// topic ends is taken once, and exactly the messages before that end are read back; a missing topic is no history; a
// broker that does not answer is an error.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kafka_test_support.hpp"
#include "topic_history.hpp"

namespace sluice::clicks {
namespace {

namespace kafka = sluice::test::kafka;
using namespace std::chrono_literals;

// As the aggregate's rebuild_brokers and rebuild_properties give it.
kafka_support::KafkaConnection via(const std::string& brokers, StringMap properties = {}) {
  return {brokers, std::move(properties), "rebuild_brokers", "rebuild_properties"};
}

std::vector<std::string> read_all(const std::string& topic, const TopicHistory& history, std::string& error) {
  std::vector<std::string> out;
  error = read_history(
      via(kafka::kBrokers), topic, history, [&](std::string_view p) { out.emplace_back(p); }, [] { return false; });
  return out;
}

TEST(TopicHistory, ATopicThatDoesNotExistIsNoHistory) {
  const auto history = topic_end(via(kafka::kBrokers), kafka::unique_name("never-written"), 10s);
  EXPECT_EQ(history.error, "");
  EXPECT_TRUE(history.end.empty()) << "everything is live";
  std::string error;
  EXPECT_TRUE(read_all("never-written", history, error).empty());
  EXPECT_EQ(error, "") << "nothing to read is done at once";
}

TEST(TopicHistory, ExactlyTheMessagesBeforeTheEndAreReadInOrder) {
  const std::string topic = kafka::unique_name("history");
  kafka::produce(topic, {R"({"page":"a"})", R"({"page":"b"})", "not json", R"({"page":"c"})"});
  const auto history = topic_end(via(kafka::kBrokers), topic, 10s);
  ASSERT_EQ(history.error, "");
  EXPECT_EQ(history.end, (std::map<std::int32_t, std::int64_t>{{0, 4}}));
  std::string error;
  EXPECT_EQ(read_all(topic, history, error),
            (std::vector<std::string>{R"({"page":"a"})", R"({"page":"b"})", "not json", R"({"page":"c"})"}));
  EXPECT_EQ(error, "");
  // A message at or past the end is live, not history: with the end taken one message earlier,
  // the last one is not read.
  TopicHistory earlier = history;
  earlier.end[0] = 3;
  EXPECT_EQ(read_all(topic, earlier, error),
            (std::vector<std::string>{R"({"page":"a"})", R"({"page":"b"})", "not json"}));
  EXPECT_EQ(error, "");
}

TEST(TopicHistory, ACancelledReadStopsAndSaysSo) {
  const std::string topic = kafka::unique_name("history-cancel");
  kafka::produce(topic, {"1", "2"});
  auto history = topic_end(via(kafka::kBrokers), topic, 10s);
  ASSERT_EQ(history.error, "");
  history.end[0] = 1000;  // more than there is: without a cancel this would wait for ever
  std::size_t read = 0;
  const std::string error = read_history(
      via(kafka::kBrokers), topic, history, [&](std::string_view) { ++read; }, [&] { return read >= 2; });
  EXPECT_EQ(error, "cancelled");
  EXPECT_EQ(read, 2u);
}

TEST(TopicHistory, ABrokerThatDoesNotAnswerIsAnErrorWithinTheTimeout) {
  const auto started = std::chrono::steady_clock::now();
  const auto history = topic_end(via("127.0.0.1:1"), "clicks", 1s);  // nothing listens on port 1
  EXPECT_NE(history.error, "");
  EXPECT_TRUE(history.end.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s) << "bounded by the timeout, not hanging";
}

// The aggregate reads the topic through the kafka source's connection settings: `properties` reach
// its consumer, applied after the brokers (a TLS or SASL cluster needs them). Seen on the real
// broker: the same brokers work until a property points the consumer elsewhere.
TEST(TopicHistory, ConnectionPropertiesReachTheConsumerAfterTheBrokers) {
  const std::string topic = kafka::unique_name("history-properties");
  kafka::produce(topic, {"1"});
  const auto plain = topic_end(via(kafka::kBrokers, {{"client.id", "sluice-rebuild-test"}}), topic, 10s);
  ASSERT_EQ(plain.error, "");
  EXPECT_EQ(plain.end, (std::map<std::int32_t, std::int64_t>{{0, 1}}));
  const auto elsewhere = topic_end(via(kafka::kBrokers, {{"bootstrap.servers", "127.0.0.1:1"}}), topic, 1s);
  EXPECT_NE(elsewhere.error, "") << "the property overrode rebuild_brokers: nothing listens on port 1";
  EXPECT_TRUE(elsewhere.end.empty());
  const auto refused = topic_end(via(kafka::kBrokers, {{"no.such.property", "1"}}), topic, 1s);
  EXPECT_THAT(refused.error, testing::HasSubstr("rebuild_properties"));
  EXPECT_THAT(refused.error, testing::HasSubstr("no.such.property"));
}

}  // namespace
}  // namespace sluice::clicks
