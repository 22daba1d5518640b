// The hub's sequence numbers and replay window without sockets: seq counts events from 1, a client
// that names the last seq it saw gets exactly what followed while the buffer still holds it, and a
// snapshot when it does not (older than the buffer, another epoch, a seq from the future); the
// buffer and the snapshot keep their bounds; a client that left gets nothing more.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broadcast_hub.hpp"

namespace sluice::websocket {
namespace {

using json = nlohmann::json;

struct Recorder final : Client {
  void deliver(Frame frame) override { frames.push_back(std::move(frame)); }
  std::vector<Frame> frames;
};

void publish(BroadcastHub& hub, const std::vector<std::string>& payloads) {
  std::vector<Event> events;
  for (const auto& p : payloads) events.emplace_back(p);
  hub.publish(Batch(std::move(events)));
}

void publish_state(BroadcastHub& hub, const std::string& payload) {
  std::vector<Event> events;
  events.emplace_back(payload);
  events.back().meta().set("sluice.kind", "stats");
  hub.publish(Batch(std::move(events)));
}

// n events {"n":first}, {"n":first+1}, ... one batch.
void publish_numbered(BroadcastHub& hub, int first, int n) {
  std::vector<std::string> payloads;
  for (int i = first; i < first + n; ++i) payloads.push_back("{\"n\":" + std::to_string(i) + "}");
  publish(hub, payloads);
}

json first_frame(BroadcastHub& hub, std::optional<Since> since) {
  return json::parse(*hub.join(std::make_shared<Recorder>(), std::move(since)));
}

std::vector<std::uint64_t> seqs(const json& frame) {
  std::vector<std::uint64_t> out;
  for (const auto& e : frame["events"]) out.push_back(e["seq"].get<std::uint64_t>());
  return out;
}

std::vector<std::uint64_t> range(std::uint64_t from, std::uint64_t to) {
  std::vector<std::uint64_t> out;
  for (auto s = from; s <= to; ++s) out.push_back(s);
  return out;
}

TEST(BroadcastHubReplay, AFreshHubsSnapshotHasSeqZeroNoStateAndNoEvents) {
  BroadcastHub hub(100, 50);
  const json s = first_frame(hub, std::nullopt);
  EXPECT_EQ(s["type"], "snapshot");
  EXPECT_EQ(s["seq"], 0);
  EXPECT_TRUE(s["state"].is_null());
  EXPECT_TRUE(s["events"].empty());
  EXPECT_TRUE(is_epoch(s["epoch"].get<std::string>())) << s["epoch"];
  EXPECT_EQ(s["epoch"], hub.epoch());
  EXPECT_FALSE(s.contains("replay"));
}

TEST(BroadcastHubReplay, SeqCountsEventsFromOneAndAFramesSeqIsItsLastEvents) {
  BroadcastHub hub(100, 50);
  auto live = std::make_shared<Recorder>();
  hub.join(live, std::nullopt);
  publish_numbered(hub, 1, 3);
  publish_numbered(hub, 4, 1);
  publish_numbered(hub, 5, 2);
  ASSERT_EQ(live->frames.size(), 3u);
  const json a = json::parse(*live->frames[0]), b = json::parse(*live->frames[1]), c = json::parse(*live->frames[2]);
  EXPECT_EQ(seqs(a), range(1, 3));
  EXPECT_EQ(a["seq"], 3);
  EXPECT_EQ(seqs(b), range(4, 4));
  EXPECT_EQ(seqs(c), range(5, 6));
  EXPECT_EQ(c["seq"], 6);
  for (const auto& f : {a, b, c}) {
    EXPECT_EQ(f["type"], "events");
    EXPECT_EQ(f["epoch"], hub.epoch());
    EXPECT_FALSE(f.contains("replay")) << "live frames are not replays";
    EXPECT_FALSE(f.contains("state")) << "no state changed";
    for (const auto& e : f["events"]) EXPECT_EQ(e["data"]["n"], e["seq"]) << "each event keeps its payload";
  }
  EXPECT_EQ(first_frame(hub, std::nullopt)["seq"], 6) << "the snapshot's seq is the last event's";
}

TEST(BroadcastHubReplay, ACatchUpIsExactlyWhatFollowedTheSeqTheClientSaw) {
  BroadcastHub hub(100, 50);
  publish_numbered(hub, 1, 10);
  for (std::uint64_t seen : {0u, 1u, 5u, 9u}) {
    const json f = first_frame(hub, Since{hub.epoch(), seen});
    EXPECT_EQ(f["type"], "events") << seen;
    EXPECT_EQ(f["replay"], true) << seen;
    EXPECT_EQ(f["seq"], 10) << seen;
    EXPECT_EQ(seqs(f), range(seen + 1, 10)) << seen;
  }
  const json up_to_date = first_frame(hub, Since{hub.epoch(), 10});
  EXPECT_EQ(up_to_date["type"], "events") << "nothing missed: an empty catch-up, not a snapshot";
  EXPECT_TRUE(up_to_date["events"].empty());
}

TEST(BroadcastHubReplay, ASinceOlderThanTheBufferGetsASnapshot) {
  BroadcastHub hub(HubLimits{.replay_events = 5, .snapshot_events = 3});
  publish_numbered(hub, 1, 10);  // the buffer keeps seq 6..10
  const json edge = first_frame(hub, Since{hub.epoch(), 5});
  EXPECT_EQ(edge["type"], "events") << "saw 5, the buffer starts at 6: nothing is lost";
  EXPECT_EQ(seqs(edge), range(6, 10));
  const json older = first_frame(hub, Since{hub.epoch(), 4});
  EXPECT_EQ(older["type"], "snapshot") << "seq 5 is gone: a catch-up would skip it";
  EXPECT_EQ(seqs(older), range(8, 10)) << "the snapshot keeps the newest snapshot_events";
  EXPECT_EQ(first_frame(hub, Since{hub.epoch(), 0})["type"], "snapshot");
}

TEST(BroadcastHubReplay, AnotherEpochOrASeqFromTheFutureGetsASnapshot) {
  BroadcastHub hub(100, 50);
  publish_numbered(hub, 1, 3);
  const std::string other = hub.epoch() == "0000000000000000" ? "0000000000000001" : "0000000000000000";
  EXPECT_EQ(first_frame(hub, Since{other, 2})["type"], "snapshot") << "the sink restarted: seqs start again";
  EXPECT_EQ(first_frame(hub, Since{hub.epoch(), 4})["type"], "snapshot");
  EXPECT_EQ(first_frame(hub, Since{hub.epoch(), UINT64_MAX})["type"], "snapshot");
  EXPECT_EQ(first_frame(hub, Since{hub.epoch(), 3})["type"], "events");
}

TEST(BroadcastHubReplay, WithNoReplayBufferOnlyAnUpToDateClientAvoidsASnapshot) {
  BroadcastHub hub(HubLimits{.replay_events = 0, .snapshot_events = 50});
  publish_numbered(hub, 1, 4);
  EXPECT_EQ(hub.replay_bytes(), 0u);
  EXPECT_EQ(first_frame(hub, Since{hub.epoch(), 3})["type"], "snapshot");
  EXPECT_TRUE(first_frame(hub, std::nullopt)["events"].empty()) << "nothing kept, nothing in the snapshot";
  const json current = first_frame(hub, Since{hub.epoch(), 4});
  EXPECT_EQ(current["type"], "events");
  EXPECT_TRUE(current["events"].empty());
}

TEST(BroadcastHubReplay, TheBufferKeepsTheNewestReplayEventsAndTheSnapshotItsNewestSnapshotEvents) {
  BroadcastHub hub(HubLimits{.replay_events = 20, .snapshot_events = 7});
  for (int i = 0; i < 10; ++i) publish_numbered(hub, 1 + i * 10, 10);  // seq 1..100
  EXPECT_EQ(seqs(first_frame(hub, std::nullopt)), range(94, 100));
  EXPECT_EQ(seqs(first_frame(hub, Since{hub.epoch(), 80})), range(81, 100));
  EXPECT_EQ(first_frame(hub, Since{hub.epoch(), 79})["type"], "snapshot");
  BroadcastHub none(HubLimits{.replay_events = 20, .snapshot_events = 0});
  publish_numbered(none, 1, 5);
  EXPECT_TRUE(first_frame(none, std::nullopt)["events"].empty()) << "snapshot_events: 0";
  EXPECT_EQ(seqs(first_frame(none, Since{none.epoch(), 2})), range(3, 5)) << "the replay is still there";
}

TEST(BroadcastHubReplay, TheStateTravelsInTheLiveFrameTheSnapshotAndTheCatchUp) {
  BroadcastHub hub(100, 50);
  auto live = std::make_shared<Recorder>();
  hub.join(live, std::nullopt);
  publish_numbered(hub, 1, 2);
  publish_state(hub, R"({"total":2})");
  ASSERT_EQ(live->frames.size(), 2u);
  const json state_only = json::parse(*live->frames[1]);
  EXPECT_EQ(state_only["state"], json::parse(R"({"total":2})"));
  EXPECT_TRUE(state_only["events"].empty()) << "a state is not an event: no seq of its own";
  EXPECT_EQ(state_only["seq"], 2);
  const json snapshot = first_frame(hub, std::nullopt);
  EXPECT_EQ(snapshot["state"], json::parse(R"({"total":2})"));
  EXPECT_EQ(seqs(snapshot), range(1, 2));
  const json catch_up = first_frame(hub, Since{hub.epoch(), 1});
  EXPECT_EQ(catch_up["state"], json::parse(R"({"total":2})"));
  EXPECT_EQ(seqs(catch_up), range(2, 2));
  publish_state(hub, R"({"total":3})");
  EXPECT_EQ(first_frame(hub, std::nullopt)["state"], json::parse(R"({"total":3})")) << "the latest state only";
}

TEST(BroadcastHubReplay, AClientThatLeftGetsNothingMoreAndClearForgetsEveryone) {
  BroadcastHub hub(100, 50);
  auto stays = std::make_shared<Recorder>();
  auto leaves = std::make_shared<Recorder>();
  hub.join(stays, std::nullopt);
  hub.join(leaves, std::nullopt);
  EXPECT_EQ(hub.clients(), 2u);
  publish_numbered(hub, 1, 1);
  hub.leave(leaves);
  EXPECT_EQ(hub.clients(), 1u);
  publish_numbered(hub, 2, 1);
  EXPECT_EQ(stays->frames.size(), 2u);
  EXPECT_EQ(leaves->frames.size(), 1u);
  hub.clear();
  EXPECT_EQ(hub.clients(), 0u);
  publish_numbered(hub, 3, 1);
  EXPECT_EQ(stays->frames.size(), 2u);
  EXPECT_EQ(stays.use_count(), 1) << "the hub holds no reference to a client it forgot";
}

TEST(BroadcastHubReplay, ABatchOfNothingNewSendsNoFrameAndKeepsTheCachedSnapshot) {
  BroadcastHub hub(100, 50);
  auto live = std::make_shared<Recorder>();
  hub.join(live, std::nullopt);
  publish_numbered(hub, 1, 2);
  const Frame before = hub.join(std::make_shared<Recorder>(), std::nullopt);
  hub.publish(Batch(std::vector<Event>{}));
  EXPECT_EQ(live->frames.size(), 1u);
  EXPECT_EQ(hub.join(std::make_shared<Recorder>(), std::nullopt).get(), before.get());
}

}  // namespace
}  // namespace sluice::websocket
