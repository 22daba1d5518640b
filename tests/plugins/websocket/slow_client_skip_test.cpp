// `slow_client: skip` over real sockets, for what tests/security/slow-client-skip.test.mjs does
// not pin: a client that stops reading stays connected and loses frames (it is not disconnected,
// as `disconnect` would), the bytes it pins stay within max_client_bytes while it is skipped, and a
// client that keeps up alongside it gets every event, in order, none skipped. When it reads again
// it gets whole frames, in order, up to the newest.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "running_sink.hpp"
#include "wait.hpp"

namespace sluice::websocket::test {
namespace {

using sluice::test::eventually;

std::string payload(int n) { return R"({"n":)" + std::to_string(n) + R"(,"pad":")" + std::string(8000, 'p') + "\"}"; }

TEST(SlowClientSkip, AClientThatStopsReadingLosesFramesStaysConnectedAndPinsNoMoreThanItsBound) {
  const std::size_t kBound = 64 * 1024;
  RunningSink sink(Overrides{{"slow_client", "skip"},
                             {"max_queue", "1000"},  // the byte bound is the one that binds here
                             {"max_client_bytes", "64KiB"},
                             {"max_frame_bytes", "16KiB"}});
  Dashboard slow(sink.port(), "/", 4096);
  ASSERT_TRUE(slow.next()) << "the snapshot";
  Dashboard fast(sink.port(), "/");
  ASSERT_TRUE(fast.next()) << "the snapshot";
  ASSERT_TRUE(eventually([&] { return sink.shared().hub.clients() == 2; }));

  // 400 frames of 8 KB (3.2 MB): far more than the slow client's socket buffers and its bound.
  // Each is published once the fast client has the one before: it keeps up, by construction.
  const int kFrames = 400;
  for (int i = 1; i <= kFrames; ++i) {
    sink.publish({payload(i)});
    const auto frame = fast.next();
    ASSERT_TRUE(frame) << "frame " << i << " at the client that reads";
    ASSERT_EQ(seqs(*frame), (std::vector<std::uint64_t>{static_cast<std::uint64_t>(i)})) << "no frame skipped for it";
  }
  EXPECT_EQ(sink.shared().hub.clients(), 2u) << "skip: the slow client is not disconnected";
  EXPECT_LE(sink.shared().peak_client_bytes.load(), kBound) << "no client pinned more than max_client_bytes";
  EXPECT_GT(sink.shared().peak_client_bytes.load(), kBound / 2)
      << "the slow client's queue did fill (else this proves nothing)";

  // It reads again: whole frames, in order, with a gap, up to the newest.
  std::uint64_t last = 0;
  bool gap = false;
  while (last < static_cast<std::uint64_t>(kFrames)) {
    const auto frame = slow.next();
    ASSERT_TRUE(frame) << "after seq " << last << (slow.closed() ? ": closed" : ": nothing more came");
    for (const auto& e : (*frame)["events"]) {
      const auto seq = e["seq"].get<std::uint64_t>();
      ASSERT_GT(seq, last) << "in order";
      gap = gap || seq != last + 1;
      last = seq;
      ASSERT_EQ(e["data"]["n"], seq);
      ASSERT_EQ(e["data"]["pad"].get<std::string>().size(), 8000u) << "a whole frame";
    }
  }
  EXPECT_TRUE(gap) << "the slow client lost frames (else this test proves nothing)";
  EXPECT_EQ(sink.shared().hub.clients(), 2u);
}

}  // namespace
}  // namespace sluice::websocket::test
