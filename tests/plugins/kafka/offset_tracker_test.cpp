// The kafka source's commit rule, without a broker: only the acknowledged prefix is committed.

#include <gtest/gtest.h>

#include "offset_tracker.hpp"

namespace sluice::kafka {
namespace {

TEST(OffsetTracker, CommitsOnlyTheAcknowledgedPrefix) {
  OffsetTracker t;
  const auto a = t.emitted(0, 0, 9);
  const auto b = t.emitted(0, 10, 19);
  const auto c = t.emitted(0, 20, 29);
  EXPECT_EQ(t.acked(0, 10, b, 19), std::nullopt) << "0-9 is not acknowledged yet";
  EXPECT_EQ(t.acked(0, 20, c, 29), std::nullopt);
  EXPECT_EQ(t.acked(0, 0, a, 9), 30) << "the whole prefix is acknowledged now";
  EXPECT_EQ(t.ranges(0), 0u);
}

TEST(OffsetTracker, PartitionsAreIndependent) {
  OffsetTracker t;
  const auto a = t.emitted(0, 100, 100);
  const auto b = t.emitted(1, 5, 6);
  EXPECT_EQ(t.acked(1, 5, b, 6), 7);
  EXPECT_EQ(t.acked(0, 100, a, 100), 101);
}

TEST(OffsetTracker, ASeekBackForgetsLaterRangesAndStaleAcks) {
  OffsetTracker t;
  const auto a = t.emitted(0, 0, 9);
  const auto b = t.emitted(0, 10, 19);
  t.forget_from(0, 0);  // 0-9 was nacked: both ranges are read again
  EXPECT_EQ(t.acked(0, 10, b, 19), std::nullopt) << "an ack from before the seek no longer counts";
  const auto again = t.emitted(0, 0, 9);
  EXPECT_EQ(t.acked(0, 0, a, 9), std::nullopt) << "the old emission of the same offsets is stale";
  EXPECT_EQ(t.acked(0, 0, again, 9), 10);
}

TEST(OffsetTracker, APrefixOfARangeIsCommittedAndTheRestReadAgain) {
  OffsetTracker t;
  const auto a = t.emitted(0, 0, 19);
  EXPECT_EQ(t.acked(0, 0, a, 6), 7) << "events 0-6 were delivered, 7 failed: commit up to 7";
  t.forget_from(0, 7);  // the seek back to 7
  const auto again = t.emitted(0, 7, 19);
  EXPECT_EQ(t.acked(0, 7, again, 19), 20);
  EXPECT_EQ(t.ranges(0), 0u);
}

TEST(OffsetTracker, RevokedPartitionsIgnoreLateAcks) {
  OffsetTracker t;
  const auto a = t.emitted(3, 0, 0);
  t.forget(3);
  EXPECT_EQ(t.acked(3, 0, a, 0), std::nullopt);
}

}  // namespace
}  // namespace sluice::kafka
