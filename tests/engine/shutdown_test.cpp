// Graceful shutdown: every event taken in before the stop reaches the sinks; past the deadline,
// what is left is nacked, never silently lost.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

TEST(Shutdown, EveryEventTakenInIsDeliveredBeforeExit) {
  auto [engine, source, acks] = start_scripted(
      "pipelines:\n  p:\n    queue_capacity: 64\n    source: {type: scripted, name: src}\n"
      "    sinks: [{type: capture, name: out}]\n");

  Producer producer(source);
  ASSERT_TRUE(eventually([] { return capture_store("out")->size() >= 2000; }));
  engine->request_stop();
  const std::size_t taken = producer.join();
  EXPECT_EQ(engine->wait(), 0);

  EXPECT_EQ(capture_store("out")->size(), taken) << "nothing taken in was lost";
  EXPECT_EQ(acks->acked_events, taken);
  EXPECT_EQ(acks->failed_events, 0u);
  auto payloads = capture_store("out")->snapshot();
  for (std::size_t i = 0; i < payloads.size(); ++i) ASSERT_EQ(payloads[i], "e" + std::to_string(i)) << "order kept";
}

TEST(Shutdown, QueuedEventsDrainToASinkThatIsStillWorking) {
  auto [engine, source, acks] = start_scripted(
      "engine: {shutdown_timeout: 30s}\npipelines:\n  p:\n    sink_max_in_flight: 1\n"
      "    source: {type: scripted, name: src}\n    sinks: [{type: gate, name: g}]\n");
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(source->emit({"e" + std::to_string(i)}));
  engine->request_stop();
  EXPECT_TRUE(source->stopped());
  EXPECT_FALSE(source->try_emit({"late"})) << "a stopped source takes nothing new";
  gate("g")->release_all();  // the sink catches up after the stop was requested
  EXPECT_EQ(engine->wait(), 0);
  EXPECT_EQ(acks->acked_events, 50u);
  EXPECT_EQ(gate("g")->payloads().size(), 50u);
}

TEST(Shutdown, PastTheDeadlineUndeliveredEventsAreNacked) {
  auto [engine, source, acks] = start_scripted(
      "engine: {shutdown_timeout: 300ms}\npipelines:\n  p:\n    sink_max_in_flight: 1\n    batch_max_events: 2\n"
      "    source: {type: scripted, name: src}\n    sinks: [{type: gate, name: g}]\n");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(source->emit({"e" + std::to_string(i)}));
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 1) << "the sink never confirmed: exit code says so";
  ASSERT_TRUE(acks->wait_for(10, std::chrono::milliseconds(0))) << "every emit got an answer";
  EXPECT_EQ(acks->failed_events, 10u);
  std::lock_guard lock(acks->mutex);
  for (const auto& r : acks->results) {
    EXPECT_FALSE(r.ok);
    EXPECT_THAT(r.reason, ::testing::AnyOf(::testing::HasSubstr("destroyed before it confirmed"),
                                           ::testing::HasSubstr("shut down before")));
  }
}

TEST(Shutdown, AFiniteSourceEndsTheEngineByItself) {
  reset_test_components();
  auto engine = make_engine(
      "pipelines:\n  p:\n    source: {type: generator, count: 2500, batch_size: 64}\n"
      "    sinks: [{type: capture, name: out}]\n");
  EXPECT_EQ(engine->run(), 0);
  EXPECT_EQ(capture_store("out")->size(), 2500u);
}

TEST(Shutdown, AComponentThatCannotStartStopsEverythingWithExit1) {
  reset_test_components();
  auto engine = make_engine(R"(pipelines:
  healthy:
    source: {type: generator}
    sinks: [{type: capture, name: out}]
  broken:
    source: {type: generator}
    sinks: [{type: broken}]
)");
  testing::internal::CaptureStderr();
  EXPECT_EQ(engine->run(), 1) << "returns by itself: the healthy pipeline was stopped too";
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, ::testing::HasSubstr("[broken/sinks[0] broken] failed to start: cannot reach the database"));
  EXPECT_THAT(log, ::testing::HasSubstr("a component failed to start; stopping every pipeline"));
}

}  // namespace
}  // namespace sluice::test
