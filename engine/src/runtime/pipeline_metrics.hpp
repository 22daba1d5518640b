#pragma once
// The handles a pipeline counts its events with (metrics/engine_metrics.hpp names them). Made once
// per component when the Engine attaches a registry (Pipeline::attach_metrics); until then, and
// with metrics off, every handle is a default one that does nothing. Updating one is a relaxed
// atomic add: no lock and no allocation on the event path.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sluice/event.hpp"
#include "sluice/metrics.hpp"
#include "sluice/plugin.hpp"

namespace sluice::runtime {

// One component's series: the labels pipeline, component and type come from its Context::metrics.
struct ComponentCounters {
  Counter received_events, received_bytes, sent_events, sent_bytes;
  Counter rejected, failed, timed_out;                  // sluice_component_errors_total{error_type}
  Counter discarded_intentional, discarded_unintended;  // sluice_component_discarded_events_total{intentional}

  // The series of `scope` (a component's Context::metrics) that its kind can move; the others stay
  // default handles, so the exposition shows no series that is always zero (a source's rejections,
  // a transform's bytes).
  static ComponentCounters make(Metrics& scope, ComponentKind kind);
};

struct SinkCounters {
  ComponentCounters counters;
  Histogram latency;  // sluice_event_latency_seconds{pipeline, sink}
};

// Shared with the batches in flight (they may be answered after the pipeline moved on).
struct SinkMetrics {
  std::vector<SinkCounters> sinks;  // by sink position
  bool on = false;
  std::shared_ptr<Metrics> keep;  // keeps the registry's cells alive as long as a batch can count
};

// The payload bytes of `events`, as they will reach the next component.
std::uint64_t payload_bytes(const std::vector<Event>& events);

}  // namespace sluice::runtime
