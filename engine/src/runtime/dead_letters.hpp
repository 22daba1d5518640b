#pragma once
// A pipeline's dead-letter sink: where events go that will never be delivered (a transform
// rejected them, a sink refused them for good, a source gave up retrying them). Each dead letter
// keeps its payload and metadata (for Kafka: kafka.topic, kafka.partition, kafka.offset) and gains
//   dead_letter.reason     why it was refused, as the component said it
//   dead_letter.component  the label of the component that refused it ("transforms[0] json_validate")
//   dead_letter.at         when, in Unix milliseconds
//
// The event's acknowledgement stays pending until the dead-letter sink answers: confirmed, its
// source is told "dead-lettered" (handled: it may move past the event); failed, a plain nack, so
// nothing is ever committed past an event that is neither delivered nor dead-lettered.
//
// Threading: push() from the pipeline thread, sink threads (permanent refusals) and the source
// (Emitter::dead_letter). One dead-letter thread writes to the sink, so the sink sees one thread,
// as every sink does. The queue is bounded (the pipeline's queue_capacity): a push waits for room,
// which pushes back on whoever refused the events.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config_model.hpp"
#include "runtime/component_instance.hpp"
#include "runtime/event_queue.hpp"
#include "runtime/sink_dispatch.hpp"
#include "sluice/metadata_keys.hpp"

namespace sluice::runtime {

// A copy of `event` for the dead-letter sink, with the dead_letter.* metadata, that takes over its
// acknowledgement (the original is detached from it). An edit that cannot be serialised (bytes that
// are not UTF-8) is kept with those bytes replaced, rather than lost.
Event dead_letter_copy(Event& event, const std::string& component, const std::string& reason);

class DeadLetters {
 public:
  DeadLetters(ComponentInstance<Sink> sink, const config::PipelineSettings& settings, bool include_refused_requests);
  ~DeadLetters();

  const std::string& label() const { return sink_.label(); }
  bool include_refused_requests() const { return include_refused_requests_; }

  // Starts the sink and the dead-letter thread. Throws what the sink's start() throws.
  void start();
  // Takes the events (made with dead_letter_copy, or stamped likewise): waits for room. false when
  // closed or aborted: the events stay with the caller, who must settle them. `prepare` runs just
  // before they are taken (to attach an ack group).
  bool push(std::vector<Event>& events, const std::function<void(std::vector<Event>&)>& prepare = {});
  // No more pushes: the thread writes what is queued, then the sink is flushed; waits for the
  // sink's answers until `deadline`. False when some were still unanswered then.
  bool finish(Deadline deadline);
  // Stop now: queued events are nacked, a thread waiting for a free slot gives up.
  void abort();
  void destroy_sink();
  std::uint64_t confirmed() const { return confirmed_->load(); }
  // The dead-letter sink's Context::metrics, and the counter it counts confirmed events in too
  // (sluice_dead_letter_events_total). Before start().
  const std::shared_ptr<Metrics>& metrics() const { return sink_.context->metrics; }
  void count_confirmed_in(Counter counter) { counter_ = counter; }

 private:
  void run();

  ComponentInstance<Sink> sink_;
  const std::size_t max_events_;
  const bool include_refused_requests_;
  EventQueue queue_;
  std::shared_ptr<InFlightTracker> tracker_;
  std::shared_ptr<std::atomic<std::uint64_t>> confirmed_ = std::make_shared<std::atomic<std::uint64_t>>(0);
  Counter counter_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

}  // namespace sluice::runtime
