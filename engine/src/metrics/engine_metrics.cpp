#include "metrics/engine_metrics.hpp"

#include <stdexcept>

namespace sluice::metrics {

namespace {

using T = MetricType;

// In the order of EngineMetric.
const std::vector<MetricSpec>& table() {
  static const std::vector<MetricSpec> all{
      {"sluice_component_received_events_total",
       T::counter,
       "Events a component received: a source's events taken by its pipeline, a transform's input, the events "
       "handed to a sink",
       {"pipeline", "component", "type"}},
      {"sluice_component_received_bytes_total",
       T::counter,
       "Payload bytes of the events a source or sink received (transforms count events only)",
       {"pipeline", "component", "type"}},
      {"sluice_component_sent_events_total",
       T::counter,
       "Events a component sent on: a source's events taken by its pipeline, a transform's output, the events a "
       "sink acknowledged",
       {"pipeline", "component", "type"}},
      {"sluice_component_sent_bytes_total",
       T::counter,
       "Payload bytes of the events a source sent on or a sink acknowledged",
       {"pipeline", "component", "type"}},
      {"sluice_component_errors_total",
       T::counter,
       "Events a component did not pass on: rejected (bad input, refused for good), failed (a transform threw, a "
       "sink failed the delivery), timeout (the shutdown deadline passed first)",
       {"pipeline", "component", "type", "error_type"}},
      {"sluice_component_discarded_events_total",
       T::counter,
       "Events dropped: intentional=\"true\" by a filtering transform, \"false\" left in the queue at the shutdown "
       "deadline",
       {"pipeline", "component", "type", "intentional"}},
      {"sluice_dead_letter_events_total",
       T::counter,
       "Events the dead-letter sink confirmed",
       {"pipeline", "component", "type"}},
      {"sluice_pipeline_queue_events", T::gauge, "Events waiting in the pipeline's queue", {"pipeline"}},
      {"sluice_pipeline_queue_capacity_events",
       T::gauge,
       "The pipeline's queue capacity (queue_capacity)",
       {"pipeline"}},
      {"sluice_sink_in_flight_batches",
       T::gauge,
       "Batches handed to a sink and not answered yet",
       {"pipeline", "component", "type"}},
      {"sluice_event_latency_seconds",
       T::histogram,
       "Seconds from an event's receipt at the source (Event::received_at) to the sink's acknowledgement",
       {"pipeline", "sink"}},
      {"sluice_reloads_total",
       T::counter,
       "Reloads of the pipeline file (SIGHUP, --watch, POST /reload), by result (ok, failed)",
       {"result"}},
      {"sluice_plugin_info",
       T::gauge,
       "1 for each plugin library the engine holds; build_id tells two builds at one path apart",
       {"library", "abi", "path", "build_id"}},
      {"sluice_build_info", T::gauge, "1, labelled with the engine's version", {"version"}},
      {"process_resident_memory_bytes", T::gauge, "Resident memory size in bytes", {}},
      {"process_cpu_seconds_total", T::counter, "Total user and system CPU time spent in seconds", {}},
      {"process_open_fds", T::gauge, "Number of open file descriptors", {}},
      {"process_start_time_seconds", T::gauge, "Start time of the process since unix epoch in seconds", {}},
  };
  return all;
}

}  // namespace

const MetricSpec& spec(EngineMetric which) { return table().at(static_cast<std::size_t>(which)); }

const std::vector<MetricSpec>& engine_metric_table() { return table(); }

Counter counter(Metrics& m, EngineMetric which, const MetricLabels& own) {
  const MetricSpec& s = spec(which);
  return m.counter(s.name, s.help, own);
}

Gauge gauge(Metrics& m, EngineMetric which, const MetricLabels& own) {
  const MetricSpec& s = spec(which);
  return m.gauge(s.name, s.help, own);
}

Histogram histogram(Metrics& m, EngineMetric which, const std::vector<double>& bounds, const MetricLabels& own) {
  const MetricSpec& s = spec(which);
  return m.histogram(s.name, s.help, bounds, own);
}

void add(Exposition& out, EngineMetric which, const MetricLabels& labels, double value) {
  const MetricSpec& s = spec(which);
  out.add(s.name, s.type, s.help, labels, value);
}

}  // namespace sluice::metrics
