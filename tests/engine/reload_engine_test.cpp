// Engine::reload in the test process, with the test components: what it keeps, what it replaces,
// and a stop that arrives while it runs.

#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using ::testing::ElementsAre;

std::string two_pipelines(const std::string& p_source, const std::string& p_sink) {
  return "pipelines:\n"
         "  p:\n    source: { type: scripted, name: " +
         p_source + " }\n    sinks:\n      - { type: capture, name: " + p_sink +
         " }\n"
         "  q:\n    source: { type: scripted, name: q }\n    sinks:\n      - { type: capture, name: cq }\n";
}

config::Config load(const std::string& yaml) { return config::load_config_string(yaml, "test.yaml", test_registry()); }

TEST(EngineReload, ReplacesTheChangedPipelineAndLeavesTheOtherAlone) {
  reset_test_components();
  auto engine = make_engine(two_pipelines("p1", "c1"));
  engine->start();
  ScriptedSource* q = scripted_source("q");
  runtime::Pipeline* q_pipeline = engine->pipeline("q");
  ASSERT_TRUE(scripted_source("p1")->emit({"before"}));
  ASSERT_TRUE(ack_log("p1")->wait_for(1));

  const auto report = engine->reload(load(two_pipelines("p2", "c2")), test_registry());
  ASSERT_TRUE(report.ok) << report.json();
  EXPECT_THAT(report.changed, ElementsAre("p"));
  EXPECT_THAT(report.unchanged, ElementsAre("q"));
  EXPECT_TRUE(ack_log("p1")->results.size() == 1 && scripted_source("p1") == nullptr) << "the old source is gone";
  EXPECT_EQ(scripted_source("q"), q) << "the unchanged pipeline's source is the same object";
  EXPECT_EQ(engine->pipeline("q"), q_pipeline);
  EXPECT_FALSE(q->stopped());
  ASSERT_TRUE(scripted_source("p2")->emit({"after"}));
  ASSERT_TRUE(q->emit({"q"}));
  ASSERT_TRUE(ack_log("p2")->wait_for(1));
  ASSERT_TRUE(ack_log("q")->wait_for(1));
  EXPECT_THAT(capture_store("c1")->snapshot(), ElementsAre("before"));
  EXPECT_THAT(capture_store("c2")->snapshot(), ElementsAre("after"));

  // Removed and added: q goes, r comes.
  const auto removed = engine->reload(
      load("pipelines:\n  p:\n    source: { type: scripted, name: p2 }\n    sinks:\n      - { type: capture, name: c2 "
           "}\n  r:\n    source: { type: scripted, name: r }\n    sinks:\n      - { type: capture, name: cr }\n"),
      test_registry());
  ASSERT_TRUE(removed.ok) << removed.json();
  EXPECT_THAT(removed.unchanged, ElementsAre("p"));
  EXPECT_THAT(removed.removed, ElementsAre("q"));
  EXPECT_THAT(removed.added, ElementsAre("r"));
  EXPECT_EQ(engine->pipeline("q"), nullptr);
  ASSERT_NE(scripted_source("r"), nullptr);

  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

TEST(EngineReload, RefusesAnEngineSettingByName) {
  reset_test_components();
  auto engine = make_engine(two_pipelines("p1", "c1"));
  engine->start();
  const auto report = engine->reload(load("engine: { io_threads: 3 }\n" + two_pipelines("p2", "c2")), test_registry());
  EXPECT_FALSE(report.ok);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_EQ(report.errors[0].where, "engine.io_threads");
  EXPECT_NE(scripted_source("p1"), nullptr) << "nothing changed";
  // The process's own settings too: the metrics registry and the admin endpoint serving reloads.
  const auto process =
      engine->reload(load("engine: { metrics: false, admin: { listen: '127.0.0.1:0' } }\n" + two_pipelines("p2", "c2")),
                     test_registry());
  EXPECT_FALSE(process.ok);
  ASSERT_EQ(process.errors.size(), 2u);
  EXPECT_EQ(process.errors[0].where, "engine.metrics");
  EXPECT_EQ(process.errors[1].where, "engine.admin.listen");
  EXPECT_NE(scripted_source("p1"), nullptr) << "nothing changed";
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

// A stop while a reload drains the old pipeline: both end, nothing hangs, the new pipeline is
// stopped too.
TEST(EngineReload, AStopDuringAReloadEndsCleanly) {
  for (int round = 0; round < 20; ++round) {
    reset_test_components();
    auto engine = make_engine(two_pipelines("p1", "c1"));
    engine->start();
    ASSERT_TRUE(scripted_source("p1")->emit({"x"}));
    auto reload = std::async(std::launch::async,
                             [&] { return engine->reload(load(two_pipelines("p2", "c2")), test_registry()); });
    engine->request_stop();
    const int code = engine->wait();
    const auto report = reload.get();
    EXPECT_EQ(code, 0) << "round " << round;
    EXPECT_EQ(ack_log("p1")->acked_events, 1u);
    (void)report;  // either applied (then stopped) or refused (the stop came first)
  }
  // Twenty rounds repeat the engine's lines: their "suppressed" summaries are printed now, not
  // into a later test's captured stderr.
  Logger::flush_suppressed();
}

}  // namespace
}  // namespace sluice::test
