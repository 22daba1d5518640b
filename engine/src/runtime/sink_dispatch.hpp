#pragma once
// Hands each batch to every sink of a pipeline and turns their answers into acknowledgements.
// An event is acknowledged when every sink accepted it; the first sink failure nacks it with that
// sink's reason. An event a sink refused for good (Delivery::reject_event) goes to the pipeline's
// dead-letter sink instead, when it has one. Each sink holds at most `max_in_flight` unanswered batches; the pipeline
// thread waits for a free slot, which is how a slow sink pushes back on the source.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/pipeline_metrics.hpp"
#include "sluice/component.hpp"

namespace sluice::runtime {

class DeadLetters;

// Counts unanswered batches per sink. Shared with in-flight batches, so it outlives them.
class InFlightTracker {
 public:
  InFlightTracker(std::size_t sinks, std::size_t max_per_sink) : in_flight_(sinks, 0), max_(max_per_sink) {}

  // Waits for a free slot for `sink`; false when aborted (the batch must not be written).
  bool acquire(std::size_t sink);
  // True when acquire() would not wait for any sink: every sink has a free slot.
  bool has_room() const;
  void release(std::size_t sink);
  // Waits until no batch is unanswered, or the deadline passes. True when none is left.
  bool wait_idle(Deadline deadline);
  std::size_t total() const;
  // Unanswered batches of one sink (sluice_sink_in_flight_batches).
  std::size_t in_flight(std::size_t sink) const;
  void abort();

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::size_t> in_flight_;
  std::size_t total_ = 0;
  const std::size_t max_;
  bool aborted_ = false;
};

// One batch on its way through the sinks. Implements the target every Delivery answers to.
class BatchInFlight : public detail::DeliveryTarget {
 public:
  BatchInFlight(std::shared_ptr<Batch> batch, std::size_t sinks, std::shared_ptr<InFlightTracker> tracker,
                std::shared_ptr<const std::vector<std::string>> sink_labels, std::shared_ptr<DeadLetters> dead_letters,
                std::shared_ptr<SinkMetrics> metrics = nullptr, std::uint64_t bytes = 0);

  void settle(std::size_t slot, std::vector<detail::EventFailure> failures, std::string all_failed) override;
  // For a sink the batch never reached (aborted before a slot was free).
  void skip(std::size_t slot, std::string reason);

 private:
  void finish();
  // A sink's answer in its counters: acknowledged events (and their latency), failed, refused.
  void count(std::size_t slot, const std::vector<detail::EventFailure>& failures, bool all_failed);

  std::shared_ptr<Batch> batch_;
  std::shared_ptr<InFlightTracker> tracker_;
  std::shared_ptr<const std::vector<std::string>> sink_labels_;
  std::mutex mutex_;
  std::shared_ptr<DeadLetters> dead_letters_;  // null when the pipeline has none
  std::shared_ptr<SinkMetrics> metrics_;       // null, or off, when the pipeline counts nothing
  const std::uint64_t bytes_;                  // the batch's payload bytes, when counted
  std::size_t sinks_left_;
  std::vector<std::string> event_failure_;  // sized on the first failure only
  // Per event, when a sink refused it for good: that sink's label, and its reason in
  // event_failure_ (it replaces a passing failure's, which retrying might have cured).
  std::vector<std::string> refused_by_;
};

}  // namespace sluice::runtime
