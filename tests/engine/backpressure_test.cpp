// A slow sink fills the bounded queue and the source is pushed back: memory stays bounded and
// nothing is dropped.

#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

TEST(Backpressure, AFullQueueRefusesTryEmitAndLosesNothing) {
  auto [engine, source, acks] = start_scripted(
      "pipelines:\n  p:\n    queue_capacity: 10\n    batch_max_events: 5\n    sink_max_in_flight: 1\n"
      "    source: {type: scripted, name: src}\n    sinks: [{type: gate, name: g}]\n");

  std::size_t accepted = 0;
  const auto fill = [&] {
    while (accepted < 1000 && source->try_emit({"e" + std::to_string(accepted)})) ++accepted;
  };
  // The pipeline thread drains the queue while it is being filled. It stops for good once it has
  // taken a second batch: that one waits for the sink's only slot, which the gate never frees.
  // Only then is a refusal final.
  ASSERT_TRUE(eventually([&] {
    fill();
    return engine->pipeline("p")->stats().batches >= 2;
  }));
  fill();
  // Held by the sink (1 batch of at most 5) + waiting for a sink slot (5) + queued (10).
  EXPECT_LE(accepted, 20u);
  EXPECT_GE(accepted, 10u);
  EXPECT_FALSE(source->try_emit({"more"})) << "still full: the sink has confirmed nothing";
  EXPECT_LE(engine->pipeline("p")->stats().queue_high_water, 10u);
  EXPECT_EQ(acks->answered(), 0u);

  gate("g")->release_all();
  ASSERT_TRUE(acks->wait_for(accepted));
  EXPECT_EQ(acks->acked_events, accepted);
  EXPECT_EQ(gate("g")->payloads().size(), accepted) << "every accepted event reached the sink";
  EXPECT_TRUE(eventually([&] { return source->try_emit({"after"}); })) << "room again once the sink caught up";

  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

TEST(Backpressure, ASlowSinkSlowsAGeneratorInsteadOfGrowingMemory) {
  reset_test_components();
  auto engine = make_engine(
      "pipelines:\n  p:\n    queue_capacity: 100\n    batch_max_events: 10\n    sink_max_in_flight: 1\n"
      "    source: {type: generator, batch_size: 10}\n    sinks: [{type: gate, name: g}]\n");
  engine->start();
  runtime::Pipeline* p = engine->pipeline("p");
  ASSERT_TRUE(eventually([&] { return p->stats().queue_high_water >= 91; })) << "the queue fills up";
  const auto in = p->stats().events_in;
  // The generator is blocked in emit(): it made no more than fits in the queue, the batch waiting
  // for the sink, and the batch the sink holds.
  EXPECT_LE(in, 120u);
  EXPECT_LE(p->stats().queue_high_water, 100u);

  gate("g")->release_all();
  EXPECT_TRUE(eventually([&] { return p->stats().events_in > in + 1000; })) << "the source speeds up again";
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

}  // namespace
}  // namespace sluice::test
