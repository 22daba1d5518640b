// The hub's frames without sockets: every frame parses as JSON whatever the payload bytes, a
// redelivered Kafka event is not replayed twice, no frame is over its cap, and snapshot and
// catch-up frames are built once and shared.

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broadcast_hub.hpp"

namespace sluice::websocket {
namespace {

using json = nlohmann::json;

// A client that keeps every frame delivered to it.
struct Recorder final : Client {
  void deliver(Frame frame) override { frames.push_back(std::move(frame)); }
  std::vector<Frame> frames;
};

Batch batch_of(const std::vector<std::string>& payloads) {
  std::vector<Event> events;
  for (const auto& p : payloads) events.emplace_back(p);
  return Batch(std::move(events));
}

Event from_kafka(std::string payload, int partition, int offset) {
  Event e(std::move(payload));
  e.meta().set("kafka.topic", "clicks");
  e.meta().set("kafka.partition", std::to_string(partition));
  e.meta().set("kafka.offset", std::to_string(offset));
  return e;
}

Event stats(std::string payload) {
  Event e(std::move(payload));
  e.meta().set("sluice.kind", "stats");
  return e;
}

// What a browser's JSON.parse does with the frame; nlohmann refuses every byte string it refuses
// (bad UTF-8, control characters) and a BOM anywhere but at the very start, where no frame has one.
json parsed(const Frame& frame) {
  EXPECT_NE(frame->substr(0, 3), "\xEF\xBB\xBF");
  // nlohmann stops at a NUL and would accept what a browser refuses; JSON never has one raw.
  EXPECT_EQ(frame->find('\0'), std::string::npos) << frame->substr(0, 200);
  EXPECT_TRUE(json::accept(*frame)) << frame->substr(0, 200);
  return json::parse(*frame, nullptr, false);
}

std::vector<std::uint64_t> seqs(const json& frame) {
  std::vector<std::uint64_t> out;
  for (const auto& e : frame["events"]) out.push_back(e["seq"].get<std::uint64_t>());
  return out;
}

const std::vector<std::string> kHostile = {
    "\xEF\xBB\xBF{\"page\":\"bom\"}",  // a leading BOM: nlohmann skips it, JSON.parse does not
    "{\"page\":\"\xC3\x28\"}",         // invalid UTF-8 inside a JSON string
    "\xFF\xFE\xFD",                    // not UTF-8 at all
    "not json",
    "",
    "{\"a\":1} trailing",
    "\xEF\xBB\xBF",
    "{\"page\":\"\x01\"}",  // a raw control character
    "\"\\ud800\"",          // a lone surrogate escape
    std::string("{\"a\":\"") + std::string(1, '\0') + "\"}",
    "[" + std::string(1000, '[') + std::string(1000, ']') + "]",
    std::string("{\"total\":1}\0]", 13),  // a NUL after a document (found by the hub_frames fuzz target)
};

TEST(BroadcastHub, EveryFrameParsesWhateverThePayloadBytes) {
  BroadcastHub hub(100, 50);
  auto live = std::make_shared<Recorder>();
  hub.join(live, std::nullopt);
  const auto first = hub.join(std::make_shared<Recorder>(), std::nullopt);
  const std::string epoch = parsed(first)["epoch"];
  for (const auto& payload : kHostile) {
    ASSERT_NO_THROW(hub.publish(batch_of({payload, R"({"page":"ok"})"})));
  }
  // The state is a payload like any other.
  std::vector<Event> state;
  state.push_back(stats("\xEF\xBB\xBF{\"total\":\xFF}"));
  ASSERT_NO_THROW(hub.publish(Batch(std::move(state))));
  std::vector<Event> nul_state;
  nul_state.push_back(stats(std::string("{\"total\":1}\0]", 13)));
  ASSERT_NO_THROW(hub.publish(Batch(std::move(nul_state))));

  ASSERT_EQ(live->frames.size(), kHostile.size() + 2);
  for (const auto& f : live->frames) parsed(f);
  const json snapshot = parsed(hub.join(std::make_shared<Recorder>(), std::nullopt));
  EXPECT_EQ(snapshot["type"], "snapshot");
  EXPECT_EQ(snapshot["events"].size(), 2 * kHostile.size());
  const json catch_up = parsed(hub.join(std::make_shared<Recorder>(), Since{epoch, 0}));
  EXPECT_EQ(catch_up["type"], "events");
  EXPECT_EQ(catch_up["events"].size(), 2 * kHostile.size());
  // The normalised text is what is stored: a BOM is stripped, the rest becomes a string.
  EXPECT_EQ(catch_up["events"][0]["data"], json::parse(R"({"page":"bom"})"));
  EXPECT_EQ(catch_up["events"][4]["data"], "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "U+FFFD for each invalid byte";
  EXPECT_EQ(catch_up["events"][6]["data"], "not json");
}

TEST(BroadcastHub, RandomBytesNeverMakeAFrameThatDoesNotParse) {
  BroadcastHub hub(HubLimits{.replay_events = 64, .snapshot_events = 16, .max_frame_bytes = 4096});
  auto live = std::make_shared<Recorder>();
  hub.join(live, std::nullopt);
  std::mt19937 rng(9);
  for (int round = 0; round < 300; ++round) {
    std::vector<Event> events;
    for (int i = 0; i < 4; ++i) {
      std::string payload(rng() % 64, '\0');
      for (auto& c : payload) c = static_cast<char>(rng());
      if (round % 3 == 0) payload = "{\"p\":\"" + payload + "\"}";
      events.emplace_back(std::move(payload));
    }
    if (round % 7 == 0) events.push_back(stats(std::string(round * 20, '\xFF')));
    ASSERT_NO_THROW(hub.publish(Batch(std::move(events))));
  }
  for (const auto& f : live->frames) {
    parsed(f);
    EXPECT_LE(f->size(), 4096u);
  }
  parsed(hub.join(std::make_shared<Recorder>(), std::nullopt));
}

TEST(BroadcastHub, ARedeliveredKafkaEventIsNotPublishedOrReplayedAgain) {
  BroadcastHub hub(100, 50);
  auto live = std::make_shared<Recorder>();
  hub.join(live, std::nullopt);
  const auto batch = [](std::vector<std::tuple<std::string, int, int>> events) {
    std::vector<Event> out;
    for (auto& [p, partition, offset] : events) out.push_back(from_kafka(p, partition, offset));
    return Batch(std::move(out));
  };
  hub.publish(batch({{R"({"n":1})", 0, 10}, {R"({"n":2})", 0, 11}, {R"({"n":3})", 1, 5}}));
  // The batch failed elsewhere and Kafka delivers it again, with one new event after it.
  hub.publish(batch({{R"({"n":1})", 0, 10}, {R"({"n":2})", 0, 11}, {R"({"n":3})", 1, 5}, {R"({"n":4})", 0, 12}}));
  hub.publish(batch({{R"({"n":2})", 0, 11}}));  // nothing new at all

  ASSERT_EQ(live->frames.size(), 2u) << "a batch of redeliveries only sends nothing";
  EXPECT_EQ(seqs(parsed(live->frames[0])), (std::vector<std::uint64_t>{1, 2, 3}));
  const json second = parsed(live->frames[1]);
  EXPECT_EQ(seqs(second), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(second["events"][0]["data"]["n"], 4);
  const json snapshot = parsed(hub.join(std::make_shared<Recorder>(), std::nullopt));
  std::vector<int> ns;
  for (const auto& e : snapshot["events"]) ns.push_back(e["data"]["n"]);
  EXPECT_EQ(ns, (std::vector<int>{1, 2, 3, 4}));
  // Events not from Kafka are never taken for redeliveries.
  hub.publish(batch_of({R"({"n":1})", R"({"n":1})"}));
  EXPECT_EQ(seqs(parsed(live->frames.back())), (std::vector<std::uint64_t>{5, 6}));
}

TEST(BroadcastHub, ThePartitionsItRemembersAreBounded) {
  BroadcastHub hub(HubLimits{.max_partitions = 4});
  auto live = std::make_shared<Recorder>();
  hub.join(live, std::nullopt);
  for (int partition = 0; partition < 100; ++partition) {
    std::vector<Event> events;
    events.push_back(from_kafka("{}", partition, 1));
    hub.publish(Batch(std::move(events)));
  }
  EXPECT_EQ(live->frames.size(), 100u);
  std::vector<Event> again;
  again.push_back(from_kafka("{}", 99, 1));
  hub.publish(Batch(std::move(again)));
  EXPECT_EQ(live->frames.size(), 100u) << "the most recent partitions are still remembered";
}

TEST(BroadcastHub, NoFrameIsOverItsCap) {
  const std::size_t cap = 8192;
  BroadcastHub hub(HubLimits{.replay_events = 1000, .snapshot_events = 1000, .max_frame_bytes = cap});
  auto live = std::make_shared<Recorder>();
  hub.join(live, std::nullopt);
  const auto first = parsed(hub.join(std::make_shared<Recorder>(), std::nullopt));
  const std::string pad(500, 'x');
  std::vector<std::string> payloads;
  for (int i = 0; i < 100; ++i) payloads.push_back(R"({"i":)" + std::to_string(i) + R"(,"pad":")" + pad + R"("})");
  payloads.push_back("\"" + std::string(cap, 'y') + "\"");  // a payload that cannot fit in any frame
  std::vector<Event> events;
  for (auto& p : payloads) events.emplace_back(p);
  events.push_back(stats(R"({"total":1,"pad":")" + std::string(cap, 'z') + "\"}"));  // a state too large
  hub.publish(Batch(std::move(events)));

  ASSERT_GT(live->frames.size(), 1u) << "a batch over the cap goes out as several frames";
  std::vector<std::uint64_t> all;
  for (const auto& f : live->frames) {
    EXPECT_LE(f->size(), cap);
    const json frame = parsed(f);
    for (auto s : seqs(frame)) all.push_back(s);
    EXPECT_EQ(frame["seq"], all.back()) << "a frame's seq is its last event's";
  }
  ASSERT_EQ(all.size(), 101u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1) << "every event, once, in order";
  EXPECT_TRUE(parsed(live->frames[0])["state"].is_null()) << "a state over the cap is no state";
  const json omitted = parsed(live->frames.back())["events"].back()["data"];
  EXPECT_EQ(omitted["bytes"], cap + 2);

  const Frame snapshot = hub.join(std::make_shared<Recorder>(), std::nullopt);
  EXPECT_LE(snapshot->size(), cap);
  const json s = parsed(snapshot);
  ASSERT_FALSE(s["events"].empty());
  EXPECT_EQ(s["events"].back()["seq"], 101) << "a snapshot keeps the newest events";
  // A client 100 events behind cannot catch up in one frame: it gets a snapshot.
  const Frame far = hub.join(std::make_shared<Recorder>(), Since{first["epoch"], 1});
  EXPECT_LE(far->size(), cap);
  EXPECT_EQ(parsed(far)["type"], "snapshot");
  // One a few events behind still catches up.
  const json near = parsed(hub.join(std::make_shared<Recorder>(), Since{first["epoch"], 99}));
  EXPECT_EQ(near["type"], "events");
  EXPECT_EQ(near["replay"], true);
  EXPECT_EQ(seqs(near), (std::vector<std::uint64_t>{100, 101}));
}

TEST(BroadcastHub, SnapshotAndCatchUpFramesAreBuiltOnceAndShared) {
  BroadcastHub hub(100, 50);
  hub.publish(batch_of({R"({"n":1})", R"({"n":2})"}));
  const Frame a = hub.join(std::make_shared<Recorder>(), std::nullopt);
  const Frame b = hub.join(std::make_shared<Recorder>(), std::nullopt);
  EXPECT_EQ(a.get(), b.get()) << "the same bytes, not a copy per client";
  const std::string epoch = parsed(a)["epoch"];
  const Frame c = hub.join(std::make_shared<Recorder>(), Since{epoch, 1});
  const Frame d = hub.join(std::make_shared<Recorder>(), Since{epoch, 1});
  EXPECT_EQ(c.get(), d.get());
  hub.publish(batch_of({R"({"n":3})"}));
  const Frame e = hub.join(std::make_shared<Recorder>(), std::nullopt);
  EXPECT_NE(e.get(), a.get()) << "a publish makes the cached snapshot stale";
  EXPECT_EQ(seqs(parsed(e)), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(seqs(parsed(hub.join(std::make_shared<Recorder>(), Since{epoch, 1}))), (std::vector<std::uint64_t>{2, 3}));
}

TEST(BroadcastHub, TheReplayBufferIsBoundedInBytes) {
  BroadcastHub hub(HubLimits{.replay_events = 1000, .replay_bytes = 10000, .max_frame_bytes = 8192});
  for (int i = 0; i < 100; ++i) hub.publish(batch_of({"\"" + std::string(1000, 'r') + "\""}));
  EXPECT_LE(hub.replay_bytes(), 10000u);
  EXPECT_GT(hub.replay_bytes(), 8000u);
}

}  // namespace
}  // namespace sluice::websocket
