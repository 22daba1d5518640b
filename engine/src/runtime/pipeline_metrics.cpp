#include "runtime/pipeline_metrics.hpp"

#include "metrics/engine_metrics.hpp"

namespace sluice::runtime {

using metrics::EngineMetric;

ComponentCounters ComponentCounters::make(Metrics& scope, ComponentKind kind) {
  ComponentCounters c;
  c.received_events = metrics::counter(scope, EngineMetric::received_events);
  c.sent_events = metrics::counter(scope, EngineMetric::sent_events);
  if (kind != ComponentKind::transform) {  // a transform's input may be edited JSON not yet serialised
    c.received_bytes = metrics::counter(scope, EngineMetric::received_bytes);
    c.sent_bytes = metrics::counter(scope, EngineMetric::sent_bytes);
  }
  if (kind == ComponentKind::source) {
    // Left in the queue at the shutdown deadline.
    c.discarded_unintended = metrics::counter(scope, EngineMetric::discarded_events, {{"intentional", "false"}});
    return c;
  }
  c.rejected = metrics::counter(scope, EngineMetric::errors, {{"error_type", "rejected"}});
  c.failed = metrics::counter(scope, EngineMetric::errors, {{"error_type", "failed"}});
  if (kind == ComponentKind::transform) {
    c.discarded_intentional = metrics::counter(scope, EngineMetric::discarded_events, {{"intentional", "true"}});
  } else {
    c.timed_out = metrics::counter(scope, EngineMetric::errors, {{"error_type", "timeout"}});
  }
  return c;
}

std::uint64_t payload_bytes(const std::vector<Event>& events) {
  std::uint64_t n = 0;
  for (const auto& e : events) n += e.payload().size();
  return n;
}

}  // namespace sluice::runtime
