#pragma once
// What /metrics serves, gathered for one render: families of samples, written out in the
// Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
// The registry fills one with its stored series; a collector (Registry::add_collector) adds
// samples read from live state at render time: a queue's length, the loaded plugins, the
// process's memory.
//
// Families are keyed by name and written in name order, with HELP and TYPE once each; the series of
// a family are written in the order of their label values, so two renders of the same state are
// the same text. Label values are escaped (\\, \", \n); HELP text too (\\, \n).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sluice/metrics.hpp"

namespace sluice::metrics {

// "text/plain; version=0.0.4; charset=utf-8": the Content-Type of a render.
extern const char* const kContentType;

class Exposition {
 public:
  // One sample of a counter or gauge (a histogram comes from the registry only). A name seen
  // before with another type, help or label names, or the same name and label values twice, is
  // a bug in the caller: std::invalid_argument, as for Metrics.
  void add(const std::string& name, MetricType type, const std::string& help, const MetricLabels& labels, double value);

  // A histogram series: cumulative bucket counts (bounds.size() + 1 of them, the last for +Inf).
  void add_histogram(const std::string& name, const std::string& help, const std::vector<std::string>& label_names,
                     const std::vector<std::string>& label_values, const std::vector<double>& bounds,
                     const std::vector<std::uint64_t>& cumulative, double sum);
  // A counter or gauge series, by label values in the family's order (the registry's own path).
  void add_series(const std::string& name, MetricType type, const std::string& help,
                  const std::vector<std::string>& label_names, const std::vector<std::string>& label_values,
                  const std::string& value);

  std::string text() const;

 private:
  struct Family {
    MetricType type;
    std::string help;
    std::vector<std::string> label_names;
    std::map<std::vector<std::string>, std::string> series;  // label values -> the series' lines
  };
  Family& family(const std::string& name, MetricType type, const std::string& help,
                 const std::vector<std::string>& label_names);
  std::string& series(Family& family, const std::string& name, const std::vector<std::string>& label_values);

  std::map<std::string, Family> families_;
};

// Checks used by the registry too; each throws std::invalid_argument naming the problem.
void check_metric_name(const std::string& name);
void check_label_names(const std::string& metric, const std::vector<std::string>& names, bool histogram);

// A sample value as Prometheus writes it: shortest round-trip decimal, +Inf, -Inf, NaN.
std::string format_value(double v);
// A label value or HELP text, escaped for the text format.
std::string escape_label_value(const std::string& v);
std::string escape_help(const std::string& v);

}  // namespace sluice::metrics
