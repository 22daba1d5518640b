// `?since=` over a real socket (README: "a dashboard that reconnects with ?since=EPOCH:SEQ gets
// exactly what it missed from a bounded replay buffer, as one "replay":true events frame, or a
// snapshot when that would not fit"): a since the buffer still covers gets exactly the events
// after it; a since older than the buffer (events evicted by `replay` or `replay_bytes`) gets a
// snapshot, never a catch-up with a hole in it; a since from another epoch gets a snapshot.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "running_sink.hpp"

namespace sluice::websocket::test {
namespace {

using Seqs = std::vector<std::uint64_t>;

std::string click(int n) { return R"({"page":"p","clickNumber":)" + std::to_string(n) + "}"; }

// Publishes `n` events, one batch each, so the hub numbers them 1..n.
void publish_clicks(RunningSink& sink, int n) {
  for (int i = 1; i <= n; ++i) sink.publish({click(i)});
}

std::string epoch_of(RunningSink& sink) {
  Dashboard fresh(sink.port(), "/");
  const auto snapshot = fresh.next();
  if (!snapshot) throw std::runtime_error("no snapshot");
  return (*snapshot)["epoch"];
}

nlohmann::json first_frame(RunningSink& sink, const std::string& target) {
  Dashboard d(sink.port(), target);
  const auto frame = d.next();
  if (!frame) throw std::runtime_error("no first frame for " + target);
  return *frame;
}

TEST(ReplayFallback, ASinceOlderThanTheReplayBufferGetsASnapshotAndOneItCoversGetsExactlyWhatWasMissed) {
  RunningSink sink(Overrides{{"replay", "5"}, {"snapshot_events", "3"}});
  publish_clicks(sink, 20);  // the buffer holds 16..20
  const std::string epoch = epoch_of(sink);

  const auto covered = first_frame(sink, "/?since=" + epoch + ":15");
  EXPECT_EQ(covered["type"], "events");
  EXPECT_EQ(covered["replay"], true);
  EXPECT_EQ(seqs(covered), (Seqs{16, 17, 18, 19, 20})) << "exactly what it missed";

  for (const int old : {14, 3, 0}) {
    const auto frame = first_frame(sink, "/?since=" + epoch + ":" + std::to_string(old));
    EXPECT_EQ(frame["type"], "snapshot") << "since " << old << ": the buffer no longer holds event " << old + 1;
    EXPECT_FALSE(frame.contains("replay"));
    EXPECT_EQ(frame["seq"], 20);
    EXPECT_EQ(seqs(frame), (Seqs{18, 19, 20})) << "a snapshot: the newest snapshot_events";
  }

  const auto up_to_date = first_frame(sink, "/?since=" + epoch + ":20");
  EXPECT_EQ(up_to_date["type"], "events");
  EXPECT_TRUE(up_to_date["events"].empty()) << "nothing missed, nothing sent again";
}

TEST(ReplayFallback, EventsEvictedByReplayBytesAlsoMeanASnapshot) {
  // Each payload is about 1 KB: 4 KB of buffer holds the last 3 or 4 of 10.
  RunningSink sink(Overrides{{"replay", "1000"}, {"replay_bytes", "4KiB"}});
  for (int i = 1; i <= 10; ++i)
    sink.publish({R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(1000, 'x') + "\"}"});
  const std::string epoch = epoch_of(sink);
  EXPECT_EQ(first_frame(sink, "/?since=" + epoch + ":2")["type"], "snapshot");
  const auto recent = first_frame(sink, "/?since=" + epoch + ":8");
  EXPECT_EQ(recent["type"], "events");
  EXPECT_EQ(seqs(recent), (Seqs{9, 10}));
}

TEST(ReplayFallback, ASinceFromAnotherEpochGetsASnapshot) {
  RunningSink sink(Overrides{{"replay", "100"}});
  publish_clicks(sink, 5);
  const std::string epoch = epoch_of(sink);
  std::string other = epoch;
  other[0] = other[0] == '0' ? '1' : '0';  // a restarted sink's numbering: its seqs mean other events
  const auto frame = first_frame(sink, "/?since=" + other + ":3");
  EXPECT_EQ(frame["type"], "snapshot");
  EXPECT_EQ(frame["epoch"], epoch);
}

}  // namespace
}  // namespace sluice::websocket::test
