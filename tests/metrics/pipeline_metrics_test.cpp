// After N events through a real in-process pipeline, every counter on the path has moved by
// exactly N, read back from the registry's render as a scrape would read it.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "engine_harness.hpp"
#include "exposition_reader.hpp"
#include "metrics/registry.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

std::string labels(const std::string& pipeline, const std::string& component, const std::string& type,
                   const std::string& more = "") {
  return "{pipeline=\"" + pipeline + "\",component=\"" + component + "\",type=\"" + type + "\"" +
         (more.empty() ? "" : "," + more) + "}";
}

runtime::EngineOptions with(std::shared_ptr<metrics::Registry> registry) {
  runtime::EngineOptions o;
  o.metrics = std::move(registry);
  return o;
}

constexpr std::size_t kN = 50;

TEST(PipelineMetrics, NEventsMoveEveryCounterOnThePathByExactlyN) {
  auto registry = std::make_shared<metrics::Registry>();
  auto run = start_scripted(
      "pipelines:\n  p:\n    source: {type: scripted, name: src}\n"
      "    transforms: [{type: thread_tag}]\n    sinks: [{type: capture, name: out}]\n",
      with(registry));
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < kN; ++i) {
    const std::string payload = "event-" + std::to_string(i);
    bytes += payload.size();
    ASSERT_TRUE(run.source->emit({payload}));
  }
  ASSERT_TRUE(run.acks->wait_for(kN));
  const auto s = samples_of(registry->render());
  const std::string src = labels("p", "source scripted", "scripted");
  const std::string tr = labels("p", "transforms[0] thread_tag", "thread_tag");
  const std::string out = labels("p", "sinks[0] capture", "capture");
  EXPECT_EQ(sample(s, "sluice_component_received_events_total" + src), kN);
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + src), kN);
  EXPECT_EQ(sample(s, "sluice_component_received_bytes_total" + src), bytes);
  EXPECT_EQ(sample(s, "sluice_component_sent_bytes_total" + src), bytes);
  EXPECT_EQ(sample(s, "sluice_component_received_events_total" + tr), kN);
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + tr), kN);
  EXPECT_EQ(sample(s, "sluice_component_received_events_total" + out), kN);
  EXPECT_EQ(sample(s, "sluice_component_received_bytes_total" + out), bytes);
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + out), kN);
  EXPECT_EQ(sample(s, "sluice_component_sent_bytes_total" + out), bytes);
  EXPECT_EQ(
      sample(s, "sluice_component_errors_total" + labels("p", "sinks[0] capture", "capture", "error_type=\"failed\"")),
      0);
  const std::string lat = "{pipeline=\"p\",sink=\"sinks[0] capture\"}";
  EXPECT_EQ(sample(s, "sluice_event_latency_seconds_count" + lat), kN);
  EXPECT_EQ(sample(s, "sluice_event_latency_seconds_bucket{pipeline=\"p\",sink=\"sinks[0] capture\",le=\"+Inf\"}"), kN);
  EXPECT_GE(sample(s, "sluice_event_latency_seconds_sum" + lat), 0);
  EXPECT_EQ(sample(s, "sluice_pipeline_queue_events{pipeline=\"p\"}"), 0);
  EXPECT_EQ(sample(s, "sluice_pipeline_queue_capacity_events{pipeline=\"p\"}"), 10000);
  EXPECT_EQ(sample(s, "sluice_sink_in_flight_batches" + out), 0);
  EXPECT_EQ(sample(s, "sluice_plugin_info{library=\"test\",abi=\"" + std::to_string(SLUICE_ABI_VERSION) +
                          "\",path=\"\",build_id=\"\"}"),
            1);
  run.engine->request_stop();
  EXPECT_EQ(run.engine->wait(), 0);
}

TEST(PipelineMetrics, DropsRejectionsSinkFailuresAndDeadLettersAreCountedWhereTheyHappen) {
  auto registry = std::make_shared<metrics::Registry>();
  auto run = start_scripted(
      "pipelines:\n  p:\n    source: {type: scripted, name: src}\n"
      "    transforms: [{type: drop_marked, marker: DROP}, {type: reject, marker: BAD}]\n"
      "    sinks: [{type: capture, name: out}, {type: fail, marker: FAIL}]\n"
      "    dead_letter: {sink: {type: capture, name: dlq}}\n",
      with(registry));
  // One emit per event: each is answered on its own.
  const std::vector<std::string> events{"ok-1", "DROP-1", "BAD-1", "FAIL-1", "ok-2", "DROP-2", "BAD-2"};
  for (const auto& e : events) ASSERT_TRUE(run.source->emit({e}));
  ASSERT_TRUE(run.acks->wait_for(events.size()));
  const auto s = samples_of(registry->render());
  const std::string drop = "transforms[0] drop_marked", reject = "transforms[1] reject";
  EXPECT_EQ(sample(s, "sluice_component_received_events_total" + labels("p", drop, "drop_marked")), 7);
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + labels("p", drop, "drop_marked")), 5);
  EXPECT_EQ(
      sample(s, "sluice_component_discarded_events_total" + labels("p", drop, "drop_marked", "intentional=\"true\"")),
      2);
  EXPECT_EQ(sample(s, "sluice_component_received_events_total" + labels("p", reject, "reject")), 5);
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + labels("p", reject, "reject")), 3);
  EXPECT_EQ(sample(s, "sluice_component_errors_total" + labels("p", reject, "reject", "error_type=\"rejected\"")), 2);
  const std::string capture = labels("p", "sinks[0] capture", "capture");
  const std::string fail = labels("p", "sinks[1] fail", "fail");
  EXPECT_EQ(sample(s, "sluice_component_received_events_total" + capture), 3);
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + capture), 3);
  EXPECT_EQ(sample(s, "sluice_component_received_events_total" + fail), 3);
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + fail), 2);
  EXPECT_EQ(sample(s, "sluice_component_errors_total" + labels("p", "sinks[1] fail", "fail", "error_type=\"failed\"")),
            1);
  EXPECT_EQ(sample(s, "sluice_event_latency_seconds_count{pipeline=\"p\",sink=\"sinks[1] fail\"}"), 2);
  // The two rejected events went to the dead-letter sink, which confirmed them.
  EXPECT_EQ(sample(s, "sluice_dead_letter_events_total" + labels("p", "dead_letter capture", "capture")), 2);
  run.engine->request_stop();
  run.engine->wait();
}

TEST(PipelineMetrics, ARebuiltEngineOnTheSameRegistryKeepsCounting) {
  auto registry = std::make_shared<metrics::Registry>();
  const std::string yaml =
      "pipelines:\n  p:\n    source: {type: scripted, name: src}\n    sinks: [{type: capture, name: out}]\n";
  for (int round = 0; round < 2; ++round) {
    auto run = start_scripted(yaml, with(registry));
    for (std::size_t i = 0; i < kN; ++i) ASSERT_TRUE(run.source->emit({"e"}));
    ASSERT_TRUE(run.acks->wait_for(kN));
    run.engine->request_stop();
    EXPECT_EQ(run.engine->wait(), 0);
  }
  const auto s = samples_of(registry->render());
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + labels("p", "sinks[0] capture", "capture")), 2 * kN);
  EXPECT_EQ(sample(s, "sluice_pipeline_queue_events{pipeline=\"p\"}"), -1) << "no gauges for a pipeline that is gone";
  EXPECT_EQ(s.count("sluice_plugin_info{library=\"test\",abi=\"" + std::to_string(SLUICE_ABI_VERSION) +
                    "\",path=\"\",build_id=\"\"}"),
            0u)
      << "nor plugin info from an engine that is gone";
}

TEST(PipelineMetrics, MetricsOffCountNothingAndStillServeProcessInfo) {
  for (auto registry : {std::make_shared<metrics::Registry>(false), std::shared_ptr<metrics::Registry>()}) {
    auto run = start_scripted(
        "pipelines:\n  p:\n    source: {type: scripted, name: src}\n    sinks: [{type: capture, name: out}]\n",
        with(registry));
    ASSERT_TRUE(run.source->emit({"e"}));
    ASSERT_TRUE(run.acks->wait_for(1));
    if (registry) {
      const std::string text = registry->render();
      EXPECT_EQ(text.find("sluice_component_"), std::string::npos);
      EXPECT_EQ(text.find("sluice_event_latency"), std::string::npos);
      EXPECT_NE(text.find("process_resident_memory_bytes"), std::string::npos);
    }
    run.engine->request_stop();
    EXPECT_EQ(run.engine->wait(), 0);
  }
}

// The real generator plugin, a finite run: the engine ends by itself once all are acknowledged.
TEST(PipelineMetrics, AGeneratorRunOfNEventsCountsNAtTheSourceAndTheSink) {
  reset_test_components();
  auto registry = std::make_shared<metrics::Registry>();
  auto engine = make_engine(
      "pipelines:\n  g:\n    source: {type: generator, count: 200, batch_size: 7, payload: '{\"n\":1}'}\n"
      "    sinks: [{type: capture, name: out}]\n",
      with(registry));
  EXPECT_EQ(engine->run(), 0);
  const auto s = samples_of(registry->render());
  EXPECT_EQ(sample(s, "sluice_component_received_events_total" + labels("g", "source generator", "generator")), 200);
  EXPECT_EQ(sample(s, "sluice_component_received_bytes_total" + labels("g", "source generator", "generator")), 200 * 7);
  EXPECT_EQ(sample(s, "sluice_component_sent_events_total" + labels("g", "sinks[0] capture", "capture")), 200);
  EXPECT_EQ(sample(s, "sluice_event_latency_seconds_count{pipeline=\"g\",sink=\"sinks[0] capture\"}"), 200);
  EXPECT_EQ(capture_store("out")->size(), 200u);
}

}  // namespace
}  // namespace sluice::test
