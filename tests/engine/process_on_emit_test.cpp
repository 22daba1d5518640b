// Who runs a pipeline's transforms and sinks: the emitting thread when the pipeline is idle (no
// hand-off to the pipeline thread, runtime/pipeline.hpp), the pipeline thread otherwise. Either
// way in emit order, never blocking a try_emit, and never when the pipeline asked for batching.

#include <gtest/gtest.h>

#include <thread>

#include "engine_harness.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

const std::string kHere = thread_tag_of(std::this_thread::get_id());

std::string thread_of(const Captured& c, std::size_t i) { return c.metadata.at(i).at("thread"); }

TEST(ProcessOnEmit, AnIdlePipelineRunsTransformsAndSinksOnTheEmittingThread) {
  auto [engine, source, acks] = start_scripted(
      "pipelines:\n  p:\n    source: {type: scripted, name: src}\n"
      "    transforms: [{type: thread_tag}]\n    sinks: [{type: capture, name: out}]\n");
  ASSERT_TRUE(source->try_emit({"a"}));
  // The capture sink confirms inside write(), so the answer came before try_emit returned: no
  // other thread took part.
  EXPECT_EQ(acks->answered(), 1u);
  ASSERT_TRUE(source->emit({"b"}));
  EXPECT_EQ(acks->answered(), 2u);
  const Captured got = capture_store("out")->captured();
  ASSERT_EQ(got.payloads, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(thread_of(got, 0), kHere);
  EXPECT_EQ(thread_of(got, 1), kHere);
  EXPECT_EQ(engine->pipeline("p")->stats().batches, 2u);
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

TEST(ProcessOnEmit, ASinkWithoutAFreeSlotSendsTheEmitThroughTheQueueWithoutBlocking) {
  auto [engine, source, acks] = start_scripted(
      "pipelines:\n  p:\n    sink_max_in_flight: 1\n    source: {type: scripted, name: src}\n"
      "    transforms: [{type: thread_tag}]\n    sinks: [{type: gate, name: g}]\n");
  ASSERT_TRUE(source->try_emit({"first"}));  // processed here; the gate holds its only slot
  EXPECT_EQ(gate("g")->held_batches(), 1u);
  // Taking a slot here would wait for the gate: the emit is queued instead and try_emit returns.
  ASSERT_TRUE(source->try_emit({"second"}));
  EXPECT_EQ(gate("g")->writes(), 1u) << "the second batch waits for the slot on the pipeline thread";
  gate("g")->release_all();
  ASSERT_TRUE(acks->wait_for(2));
  EXPECT_EQ(acks->acked_events, 2u);
  EXPECT_EQ(gate("g")->payloads(), (std::vector<std::string>{"first", "second"}));
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

TEST(ProcessOnEmit, BatchMaxWaitKeepsEveryBatchOnThePipelineThread) {
  auto [engine, source, acks] = start_scripted(
      "pipelines:\n  p:\n    batch_max_wait: 1ms\n    source: {type: scripted, name: src}\n"
      "    transforms: [{type: thread_tag}]\n    sinks: [{type: capture, name: out}]\n");
  ASSERT_TRUE(source->try_emit({"a"}));
  ASSERT_TRUE(acks->wait_for(1));
  const Captured got = capture_store("out")->captured();
  ASSERT_EQ(got.payloads.size(), 1u);
  EXPECT_NE(thread_of(got, 0), kHere) << "a pipeline that asked for fuller batches takes them from its queue";
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

// Emits from two threads at once: some run on an emitting thread, the rest queue behind them and
// run on the pipeline thread. Each thread's events still reach the sink in the order it emitted.
TEST(ProcessOnEmit, EventsOfOneEmitterKeepTheirOrderWhoeverProcessesThem) {
  auto [engine, source, acks] = start_scripted(
      "pipelines:\n  p:\n    source: {type: scripted, name: src}\n"
      "    transforms: [{type: thread_tag}]\n    sinks: [{type: capture, name: out}]\n");
  constexpr int kEach = 3000;
  const auto produce = [source = source](char who) {
    for (int i = 0; i < kEach; ++i) ASSERT_TRUE(source->emit({std::string(1, who) + std::to_string(i)}));
  };
  std::thread a(produce, 'a');
  std::thread b(produce, 'b');
  a.join();
  b.join();
  ASSERT_TRUE(acks->wait_for(2 * kEach));
  EXPECT_EQ(acks->acked_events, 2u * kEach);
  const auto payloads = capture_store("out")->snapshot();
  ASSERT_EQ(payloads.size(), 2u * kEach);
  int next_a = 0, next_b = 0;
  for (const auto& p : payloads) {
    int& next = p[0] == 'a' ? next_a : next_b;
    ASSERT_EQ(std::stoi(p.substr(1)), next) << "out of order: " << p;
    ++next;
  }
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

}  // namespace
}  // namespace sluice::test
