#pragma once
// The metrics the engine itself reports, declared once: the runtime makes its series from this
// table, and `sluice plugins --markdown` prints it as the README's metrics reference (with each
// plugin's ComponentSpec::metrics). Names follow Vector's component_* semantics with a sluice_
// prefix.

#include <string>
#include <vector>

#include "metrics/exposition.hpp"
#include "sluice/metrics.hpp"

namespace sluice::metrics {

enum class EngineMetric {
  received_events,
  received_bytes,
  sent_events,
  sent_bytes,
  errors,
  discarded_events,
  dead_letter_events,
  queue_events,
  queue_capacity_events,
  sink_in_flight_batches,
  event_latency_seconds,
  reloads,
  plugin_info,
  build_info,
  process_resident_memory_bytes,
  process_cpu_seconds_total,
  process_open_fds,
  process_start_time_seconds,
};

// Name, type, help and every label name (for a component's series: pipeline, component, type
// first; the engine adds those through Registry::for_component).
const MetricSpec& spec(EngineMetric which);
// Every engine metric, in the order of the README table.
const std::vector<MetricSpec>& engine_metric_table();

// A series of an engine metric, with the help from the table. `own`: the labels beyond the scope's
// (e.g. {{"error_type", "rejected"}}).
Counter counter(Metrics& m, EngineMetric which, const MetricLabels& own = {});
Gauge gauge(Metrics& m, EngineMetric which, const MetricLabels& own = {});
Histogram histogram(Metrics& m, EngineMetric which, const std::vector<double>& bounds, const MetricLabels& own = {});
// A sample of an engine metric from a collector.
void add(Exposition& out, EngineMetric which, const MetricLabels& labels, double value);

}  // namespace sluice::metrics
