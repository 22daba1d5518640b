// The registry behind Context::metrics: same name and labels give the same series, conflicts are
// refused, disabled means handles that do nothing, collectors come and go, process metrics.

#include <gtest/gtest.h>

#include <ctime>
#include <stdexcept>
#include <thread>
#include <vector>

#include "exposition_reader.hpp"
#include "metrics/registry.hpp"

namespace sluice::metrics {
namespace {

using test::sample;
using test::samples_of;

const std::string kSink = "{pipeline=\"p\",component=\"sinks[0] kafka\",type=\"kafka\"}";

TEST(Registry, ComponentSeriesCarryPipelineComponentAndTypeLabels) {
  Registry r;
  r.for_component("p", "sinks[0] kafka", "kafka")->counter("sluice_x_total", "X").inc(3);
  EXPECT_EQ(sample(samples_of(r.render()), "sluice_x_total" + kSink), 3);
}

TEST(Registry, TheSameNameAndLabelsAreTheSameSeriesAsAReloadedPipelineNeeds) {
  Registry r;
  auto before = r.for_component("p", "sinks[0] kafka", "kafka");
  before->counter("sluice_x_total", "X", {{"code", "200"}}).inc(5);
  before.reset();  // the pipeline is rebuilt: its components get new Metrics from the registry
  auto after = r.for_component("p", "sinks[0] kafka", "kafka");
  after->counter("sluice_x_total", "X", {{"code", "200"}}).inc(1);
  const auto s = samples_of(r.render());
  EXPECT_EQ(sample(s, "sluice_x_total{pipeline=\"p\",component=\"sinks[0] kafka\",type=\"kafka\",code=\"200\"}"), 6);
}

TEST(Registry, OwnLabelsMayComeInAnyOrder) {
  Registry r;
  auto m = r.for_engine();
  m->counter("y_total", "Y", {{"a", "1"}, {"b", "2"}}).inc();
  m->counter("y_total", "Y", {{"b", "2"}, {"a", "1"}}).inc();
  EXPECT_EQ(sample(samples_of(r.render()), "y_total{a=\"1\",b=\"2\"}"), 2);
}

TEST(Registry, ConflictingTypeHelpLabelsOrBucketsAreRefused) {
  Registry r;
  auto m = r.for_engine();
  m->counter("z_total", "Z", {{"a", "1"}});
  EXPECT_THROW(m->gauge("z_total", "Z", {{"a", "1"}}), std::invalid_argument);
  EXPECT_THROW(m->counter("z_total", "other", {{"a", "1"}}), std::invalid_argument);
  EXPECT_THROW(m->counter("z_total", "Z", {{"b", "1"}}), std::invalid_argument);
  EXPECT_THROW(m->counter("z_total", "Z"), std::invalid_argument);
  EXPECT_THROW(r.for_component("p", "c", "t")->counter("z_total", "Z", {{"a", "1"}}), std::invalid_argument)
      << "the scope's labels are label names too";
  m->histogram("h_seconds", "H", {1, 2});
  EXPECT_THROW(m->histogram("h_seconds", "H", {1, 3}), std::invalid_argument);
  EXPECT_THROW(m->histogram("h2_seconds", "H", {2, 1}), std::invalid_argument);
  EXPECT_THROW(m->histogram("h3_seconds", "H", {1}, {{"le", "x"}}), std::invalid_argument);
  EXPECT_THROW(m->counter("bad-name", "B"), std::invalid_argument);
  EXPECT_THROW(r.for_component("p", "c", "t")->counter("w_total", "W", {{"pipeline", "q"}}), std::invalid_argument)
      << "a plugin cannot set the engine's labels";
}

TEST(Registry, DisabledHandsOutHandlesThatDoNothingButStillServesProcessAndBuildInfo) {
  Registry r(false);
  EXPECT_FALSE(r.enabled());
  auto m = r.for_component("p", "c", "t");
  EXPECT_EQ(m, metrics_off());
  m->counter("sluice_x_total", "X").inc();
  const std::string text = r.render();
  EXPECT_EQ(text.find("sluice_x_total"), std::string::npos);
  const auto s = samples_of(text);
  EXPECT_EQ(sample(s, "sluice_build_info{version=\"" SLUICE_VERSION "\"}"), 1);
  EXPECT_GT(sample(s, "process_resident_memory_bytes"), 0);
}

TEST(Registry, ProcessMetricsComeFromProc) {
  Registry r;
  const auto s = samples_of(r.render());
  EXPECT_GT(sample(s, "process_resident_memory_bytes"), 1e6);
  EXPECT_GE(sample(s, "process_cpu_seconds_total"), 0);
  EXPECT_GE(sample(s, "process_open_fds"), 3);  // at least stdin, stdout, stderr
  const double now = static_cast<double>(std::time(nullptr));
  const double start = sample(s, "process_start_time_seconds");
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 24 * 3600) << "a test process started today";
}

TEST(Registry, AScopedCollectorStopsWhenItsSubscriptionGoes) {
  Registry r;
  int calls = 0;
  {
    auto sub = r.add_scoped_collector([&](Exposition& out) {
      ++calls;
      out.add("live_now", MetricType::gauge, "L", {}, 1);
    });
    EXPECT_EQ(sample(samples_of(r.render()), "live_now"), 1);
  }
  EXPECT_EQ(sample(samples_of(r.render()), "live_now"), -1);
  EXPECT_EQ(calls, 1);
  auto outlives = r.add_scoped_collector([](Exposition&) {});
  {
    Registry gone;
    auto sub = gone.add_scoped_collector([](Exposition&) {});
  }  // reset after the registry: no crash
}

TEST(Registry, UpdatesFromManyThreadsAreAllCounted) {
  Registry r;
  auto c = r.for_engine()->counter("many_total", "M");
  auto h = r.for_engine()->histogram("many_seconds", "M", {0.5});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(0.25);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto s = samples_of(r.render());
  EXPECT_EQ(sample(s, "many_total"), 40000);
  EXPECT_EQ(sample(s, "many_seconds_count"), 40000);
  EXPECT_EQ(sample(s, "many_seconds_sum"), 10000);
}

}  // namespace
}  // namespace sluice::metrics
