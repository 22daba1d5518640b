// Through the real broker: 100,000 events out through the kafka sink and back in through the
// kafka source. All arrive, none twice, order kept per key; keys and headers survive.

#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_harness.hpp"
#include "kafka_test_support.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

constexpr int kEvents = 100000;
constexpr int kPerEmit = 1000;
constexpr int kKeys = 16;

TEST(KafkaRoundTrip, HundredThousandEventsAllArriveOnceInOrderPerKey) {
  const std::string topic = kafka::unique_name("roundtrip");
  {
    auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    source: {type: scripted, name: src, meta: {header.trace: t-1, internal: not-a-header}}
    sinks: [{type: kafka, topic: )" + topic + R"(, key: k, partitions: 4, linger_ms: 10ms}]
)");
    for (int i = 0; i < kEvents; i += kPerEmit) {
      std::vector<std::string> payloads;
      for (int j = i; j < i + kPerEmit; ++j) {
        payloads.push_back(nlohmann::json({{"id", j}, {"k", "key-" + std::to_string(j % kKeys)}}).dump());
      }
      ASSERT_TRUE(source->emit(payloads));
    }
    ASSERT_TRUE(acks->wait_for(kEvents / kPerEmit, std::chrono::seconds(60)));
    EXPECT_EQ(acks->acked_events, static_cast<std::size_t>(kEvents)) << "every event acked by a delivery report";
    engine->request_stop();
    ASSERT_EQ(engine->wait(), 0);
  }
  ASSERT_EQ(kafka::topic_size(topic), kEvents) << "the topic holds each event exactly once";

  // Read back with a plain consumer: keys and headers made it.
  const auto raw = kafka::read_topic(topic);
  ASSERT_EQ(raw.size(), static_cast<std::size_t>(kEvents));
  EXPECT_EQ(raw[0].headers.at("trace"), "t-1");
  EXPECT_EQ(raw[0].headers.count("internal"), 0u) << "only metadata with the header prefix becomes a header";
  std::set<std::int32_t> partitions;
  for (const auto& m : raw) {
    ASSERT_EQ(m.key, nlohmann::json::parse(m.value)["k"]);
    partitions.insert(m.partition);
  }
  EXPECT_EQ(partitions.size(), 4u) << "the sink created the topic with 4 partitions and keys spread over them";

  // Read back through the kafka source.
  reset_test_components();
  auto engine = make_engine(R"(pipelines:
  in:
    source: {type: kafka, topics: [)" +
                            topic + R"(], group: )" + kafka::unique_name("group") + R"(, batch_size: 1000}
    sinks: [{type: capture, name: in}]
)");
  engine->start();
  ASSERT_TRUE(eventually([] { return capture_store("in")->size() >= kEvents; }, std::chrono::seconds(60)));
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);

  const Captured store = capture_store("in")->captured();
  ASSERT_EQ(store.payloads.size(), static_cast<std::size_t>(kEvents)) << "none twice";
  std::set<int> ids;
  std::map<std::string, int> last_id_per_key;
  for (std::size_t i = 0; i < store.payloads.size(); ++i) {
    const auto j = nlohmann::json::parse(store.payloads[i]);
    const int id = j["id"];
    ASSERT_TRUE(ids.insert(id).second) << "event " << id << " arrived twice";
    const std::string key = j["k"];
    auto [it, fresh] = last_id_per_key.try_emplace(key, id);
    if (!fresh) {
      ASSERT_LT(it->second, id) << "order broken for key " << key;
      it->second = id;
    }
    const auto& meta = store.metadata[i];
    ASSERT_EQ(meta.at("kafka.key"), key);
    ASSERT_EQ(meta.at("kafka.topic"), topic);
    ASSERT_EQ(meta.at("header.trace"), "t-1");
    ASSERT_TRUE(meta.count("kafka.partition") && meta.count("kafka.offset") && meta.count("kafka.timestamp_ms"));
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kEvents));
  EXPECT_EQ(*ids.begin(), 0);
  EXPECT_EQ(*ids.rbegin(), kEvents - 1);
}

TEST(KafkaRoundTrip, AFullProducerQueuePushesBackAndDropsNothing) {
  const std::string topic = kafka::unique_name("tiny-queue");
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  out:
    source: {type: scripted, name: src}
    sinks: [{type: kafka, topic: )" + topic + R"(, properties: {queue.buffering.max.messages: '50'}}]
)");
  for (int i = 0; i < 20; ++i) {
    std::vector<std::string> payloads;
    for (int j = 0; j < 500; ++j) payloads.push_back("m" + std::to_string(i * 500 + j));
    ASSERT_TRUE(source->emit(payloads));
  }
  ASSERT_TRUE(acks->wait_for(20, std::chrono::seconds(60)));
  EXPECT_EQ(acks->acked_events, 10000u) << "a queue of 50 held the sink back; it did not drop";
  engine->request_stop();
  ASSERT_EQ(engine->wait(), 0);
  EXPECT_EQ(kafka::topic_size(topic), 10000);
}

}  // namespace
}  // namespace sluice::test
