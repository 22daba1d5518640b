// Transform::start() and stop() as sluice/thread_model.hpp states them: start before the first
// batch, stop after the last with the shared io_context already stopped (no `[this]` handler of a
// plugin runs any more), the destructor after stop; a start that throws fails the run and is not
// followed by stop.

#include <algorithm>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using ::testing::ElementsAre;

constexpr const char* kPipeline =
    "pipelines:\n  p:\n    source: {type: scripted, name: src}\n"
    "    transforms: [{type: lifecycle}]\n"
    "    sinks: [{type: capture, name: out}]\n";

TEST(TransformLifecycle, StartBeforeTheFirstBatchStopAfterTheLastWithTheIoContextStopped) {
  auto [engine, source, acks] = start_scripted(kPipeline);
  EXPECT_THAT(lifecycle_journal(), ElementsAre("construct", "start")) << "started by Engine::start, before any event";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(source->emit({"e" + std::to_string(i)}));
  ASSERT_TRUE(eventually([] { return capture_store("out")->size() == 3; }));
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);

  auto journal = lifecycle_journal();
  ASSERT_GE(journal.size(), 5u);
  EXPECT_EQ(journal[0], "construct");
  EXPECT_EQ(journal[1], "start");
  const auto processes = std::count(journal.begin(), journal.end(), "process");
  EXPECT_GE(processes, 1);
  // Every process() between start and stop; stop once, then the destructor, both with no I/O
  // thread running; no timer handler after stop.
  std::vector<std::string> after(journal.begin() + 2 + processes, journal.end());
  EXPECT_THAT(after, ElementsAre("stop io=stopped", "destroy io=stopped"));
}

TEST(TransformLifecycle, AStartThatThrowsFailsTheRunAndIsNotStopped) {
  auto [engine, source, acks] = start_scripted(
      "pipelines:\n  p:\n    source: {type: scripted, name: src}\n"
      "    transforms: [{type: lifecycle, fail_start: true}]\n"
      "    sinks: [{type: capture, name: out}]\n");
  EXPECT_EQ(engine->wait(), 1) << "a component that cannot start fails the run";
  EXPECT_THAT(lifecycle_journal(), ElementsAre("construct", "start", "destroy io=stopped"));
}

// Ctrl-C while a transform's start() waits (for a slow broker): the stop is carried out once every
// source has started. Stopped before its start(), the scripted source would have nothing to close
// yet and, started afterwards, would never close: the run would sit out its shutdown deadline and
// give up (exit 1).
TEST(TransformLifecycle, AStopAskedForWhileStartingIsCarriedOutOnceEverySourceHasStarted) {
  reset_test_components();
  auto engine = make_engine(
      "engine: {shutdown_timeout: 5s}\n"
      "pipelines:\n  p:\n    source: {type: scripted, name: src}\n"
      "    transforms: [{type: lifecycle, hold_start: true}]\n"
      "    sinks: [{type: capture, name: out}]\n");
  std::thread starter([&] { engine->start(); });
  ASSERT_TRUE(eventually([] { return lifecycle_journal().size() >= 2; })) << "start() is holding";
  engine->request_stop();  // as the signal thread does; returns at once
  auto* source = scripted_source("src");
  ASSERT_NE(source, nullptr);
  EXPECT_FALSE(source->stopped()) << "not stopped while the engine is still starting";
  release_lifecycle_starts();
  starter.join();
  EXPECT_TRUE(source->stopped()) << "stopped when start() was done";
  EXPECT_EQ(engine->wait(), 0) << "the source closed, and the run ended without giving up at its deadline";
}

}  // namespace
}  // namespace sluice::test
