// `drop` sink.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"

namespace sluice::test {
namespace {

TEST(Drop, AcceptsAndCountsEverything) {
  auto [engine, source, acks] =
      start_scripted("pipelines:\n  p:\n    source: {type: scripted, name: src}\n    sinks: [{type: drop}]\n");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(source->emit({"abcd", "ef"}));
  ASSERT_TRUE(acks->wait_for(100));
  EXPECT_EQ(acks->acked_events, 200u);
  EXPECT_EQ(acks->failed_events, 0u);
  testing::internal::CaptureStderr();
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
  engine.reset();
  EXPECT_THAT(testing::internal::GetCapturedStderr(), ::testing::HasSubstr("dropped 200 events (600 payload bytes)"));
}

}  // namespace
}  // namespace sluice::test
