// The text exposition format 0.0.4 as the registry writes it: one HELP and TYPE per family,
// families and series in a stable order, escaping, histograms with cumulative buckets and +Inf.

#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <stdexcept>

#include "metrics/exposition.hpp"
#include "metrics/registry.hpp"

namespace sluice::metrics {
namespace {

// A registry's render without the collectors every registry has (process, build info).
std::string own_lines(const std::string& text) {
  std::string out, line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (line.find("process_") != std::string::npos || line.find("sluice_build_info") != std::string::npos) continue;
    out += line + "\n";
  }
  return out;
}

TEST(Exposition, WritesHelpAndTypeOncePerFamilyAndSortsFamiliesAndSeries) {
  Registry r;
  auto m = r.for_engine();
  m->counter("b_total", "B things", {{"k", "z"}}).inc(2);
  m->counter("b_total", "B things", {{"k", "a"}}).inc(1);
  m->gauge("a_level", "A level").set(-3);
  EXPECT_EQ(own_lines(r.render()),
            "# HELP a_level A level\n"
            "# TYPE a_level gauge\n"
            "a_level -3\n"
            "# HELP b_total B things\n"
            "# TYPE b_total counter\n"
            "b_total{k=\"a\"} 1\n"
            "b_total{k=\"z\"} 2\n");
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  Registry r;
  r.for_engine()->counter("x_total", "line one\nback\\slash \"quoted\"", {{"v", "a\\b\"c\nd"}}).inc();
  EXPECT_EQ(own_lines(r.render()),
            "# HELP x_total line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE x_total counter\n"
            "x_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
}

TEST(Exposition, HistogramHasCumulativeBucketsInfSumAndCount) {
  Registry r;
  auto h = r.for_component("p", "sinks[0] capture", "capture")->histogram("lat_seconds", "Latency", {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(0.5);
  h.observe(7);
  const std::string l = "pipeline=\"p\",component=\"sinks[0] capture\",type=\"capture\"";
  EXPECT_EQ(own_lines(r.render()),
            "# HELP lat_seconds Latency\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{" +
                l +
                ",le=\"0.1\"} 1\n"
                "lat_seconds_bucket{" +
                l +
                ",le=\"1\"} 3\n"
                "lat_seconds_bucket{" +
                l +
                ",le=\"+Inf\"} 4\n"
                "lat_seconds_sum{" +
                l +
                "} 8.05\n"
                "lat_seconds_count{" +
                l + "} 4\n");
}

TEST(Exposition, ValuesAreShortestDecimalsAndSpecialValuesAreSpelledAsPrometheusDoes) {
  EXPECT_EQ(format_value(0.0005), "0.0005");
  EXPECT_EQ(format_value(10), "10");
  EXPECT_EQ(format_value(8.05), "8.05");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.00001), "1e-05");
  EXPECT_EQ(format_value(1e21), "1e+21");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(Exposition, CollectorSamplesJoinTheFamiliesAndConflictsAreRefused) {
  Registry r;
  r.add_collector([](Exposition& out) {
    out.add("live_things", MetricType::gauge, "Things now", {{"pipeline", "b"}}, 2);
    out.add("live_things", MetricType::gauge, "Things now", {{"pipeline", "a"}}, 1.5);
  });
  const std::string text = own_lines(r.render());
  EXPECT_EQ(text,
            "# HELP live_things Things now\n"
            "# TYPE live_things gauge\n"
            "live_things{pipeline=\"a\"} 1.5\n"
            "live_things{pipeline=\"b\"} 2\n");
  Exposition e;
  e.add("n", MetricType::gauge, "N", {}, 1);
  EXPECT_THROW(e.add("n", MetricType::counter, "N", {}, 1), std::invalid_argument);
  EXPECT_THROW(e.add("n", MetricType::gauge, "other help", {}, 1), std::invalid_argument);
  EXPECT_THROW(e.add("n", MetricType::gauge, "N", {{"a", "1"}}, 1), std::invalid_argument);
  EXPECT_THROW(e.add("n", MetricType::gauge, "N", {}, 2), std::invalid_argument) << "the same series twice";
  EXPECT_THROW(e.add("bad name", MetricType::gauge, "N", {}, 1), std::invalid_argument);
  EXPECT_THROW(e.add("ok", MetricType::gauge, "N", {{"__reserved", "1"}}, 1), std::invalid_argument);
}

TEST(Exposition, ContentTypeIsTheTextFormat) { EXPECT_STREQ(kContentType, "text/plain; version=0.0.4; charset=utf-8"); }

}  // namespace
}  // namespace sluice::metrics
