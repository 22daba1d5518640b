#pragma once
// The three component kinds. A plugin implements the few calls its kind needs; batching, bounded
// queues, backpressure, acknowledgements and shutdown order belong to the engine. Which thread
// calls each function, what may block, and what outlives what: sluice/thread_model.hpp.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sluice/batch.hpp"
#include "sluice/event.hpp"
#include "sluice/export.hpp"
#include "sluice/log.hpp"
#include "sluice/metrics.hpp"
#include "sluice/thread_model.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice {

using Deadline = std::chrono::steady_clock::time_point;

// What the engine offers each component instance. Valid for the component's whole life.
struct Context {
  std::string pipeline;                   // the pipeline's name in the YAML file
  std::string label;                      // e.g. "source generator", "sinks[1] stdout"
  Logger log;                             // scoped to "pipeline/label"
  boost::asio::io_context* io = nullptr;  // the pipeline's own, shared by its components; run by
                                          // engine threads. Include Asio through sluice/asio.hpp.
  // For transforms that make events on their own schedule (a timer): the events enter the
  // pipeline's queue like a source's, without an acknowledgement. false when the queue is full or
  // the pipeline is stopping; then they were not taken. Thread-safe.
  std::function<bool(std::vector<Event>&)> inject;
  // For sources that report health (an HTTP /health): true when every sink of the pipeline says
  // it can deliver; otherwise false, with `detail` naming the sinks that cannot and why.
  std::function<bool(std::string& detail)> sinks_ready;
  // Counters, gauges and histograms labelled with this component's pipeline, label and type,
  // served on the engine's admin endpoint (sluice/metrics.hpp). Never null: outside the engine
  // (a plugin's own unit test) and with metrics off, its handles do nothing.
  std::shared_ptr<Metrics> metrics = metrics_off();
};

// The verdict on events a source handed over: every sink accepted them (ok), or one did not.
struct AckResult {
  bool ok = true;
  std::string reason;     // why not, when !ok: "<component label>: <why>"
  bool rejected = false;  // the event itself was refused for good (a transform's bad input, a
                          // sink's permanent refusal): retrying the same event will not help
  // When !ok: every event of the emit that was not delivered went to the pipeline's dead-letter
  // sink, and that sink confirmed it. The events are handled: a source may move past them (a
  // Kafka source commits). false when any of them is neither delivered nor dead-lettered.
  bool dead_lettered = false;
  std::size_t event = 0;  // when !ok: the position, within its emit, of the first failed event
  std::string component;  // when !ok: the label of the component that failed or refused it
};
// Called exactly once per emit() that returned true, from whichever engine or plugin thread
// settled the last event, possibly before emit() returns and on the emitting thread (a transform
// refused the event, or a sink confirmed at once): do not hold a lock across emit() that the
// callback takes. Keep it short; never block in it.
using AckFn = std::function<void(const AckResult&)>;

// How a source hands events to its pipeline. Implemented by the engine. Thread-safe.
class Emitter {
 public:
  virtual ~Emitter() = default;
  // Non-blocking. false when the pipeline queue has no room: the events stay with the caller
  // (answer 503 / retry later) and no ack will come. When the pipeline is idle, emit and try_emit
  // run its transforms and hand the batch to its sinks on the calling thread (no hand-off);
  // otherwise they queue the events for the pipeline thread. try_emit never waits for a sink.
  virtual bool try_emit(std::vector<Event>& events, AckFn& on_ack) = 0;
  // Waits for room. false when the pipeline is being torn down past its deadline: the events were
  // not taken and no ack will come.
  virtual bool emit(std::vector<Event>& events, AckFn& on_ack) = 0;
  // The source will emit nothing more; the pipeline drains what it holds and ends.
  virtual void close() = 0;
  // Declares that each emit is one client request, answered as a whole (the http source): when a
  // transform rejects one of its events, the emit's other events are refused with it instead of
  // reaching the sinks, so a client that corrects and resends its request stores nothing twice.
  // Call before the first emit. Rejected events of such emits are not dead-lettered unless the
  // pipeline sets `dead_letter.include_refused_requests`.
  virtual void treat_emits_as_requests() = 0;
  // Hands events straight to the pipeline's dead-letter sink, for a source that gave up on them
  // (a Kafka source after max_retries). Each gets `dead_letter.reason`, `dead_letter.component`
  // and `dead_letter.at` metadata. Waits for room like emit(). false when the pipeline has no
  // dead-letter sink or is torn down: the events stay with the caller and no ack will come.
  // Otherwise `on_ack` runs once: !ok with dead_lettered true when the dead-letter sink confirmed
  // every event, dead_lettered false (a plain nack) when it did not.
  virtual bool dead_letter(std::vector<Event>& events, const std::string& component, const std::string& reason,
                           AckFn& on_ack) = 0;
};

class SLUICE_EXPORT Source {
 public:
  virtual ~Source();
  // Begin producing into `out`, from any thread the source owns or its pipeline's io_context.
  virtual void start(Emitter& out) = 0;
  // Stop taking new events (SIGTERM). Must not block for long; call out.close() once the source
  // will emit nothing more. Acks may still arrive after this: keep serving them until destroyed.
  virtual void stop() = 0;
};

class SLUICE_EXPORT Transform {
 public:
  virtual ~Transform();
  // Called once, on the engine's main thread, before the first process() and before the
  // pipeline's source starts: connect, query, start threads and timers here, not in the
  // constructor, which runs before the engine's I/O threads do and should only read options.
  // `sluice test` calls it too. May block briefly (it delays the start of the run; a stop asked
  // for meanwhile waits for it). An exception fails the pipeline: it does not run, and
  // `sluice run` exits 1.
  virtual void start() {}
  // Called once, on the engine's main thread, after the last process() returned and after the
  // pipeline's io_context stopped (no handler of its components runs), before the destructor; only when
  // start() returned. Join the threads and drop the timers start() made. Context::inject refuses
  // by then. Not called when start() threw.
  virtual void stop() {}
  // One batch at a time, on one thread at a time: the pipeline thread, or the thread of a source's
  // emit that found the pipeline idle. Each call sees what the previous one wrote (the engine
  // orders them), so a transform needs no lock for its own state; state shared with a thread of
  // its own (a timer) still does. Keep it non-blocking: it may run on an I/O thread. An exception
  // rejects the whole batch.
  virtual void process(Batch& batch) = 0;
};

namespace detail {
struct EventFailure {
  std::size_t index;
  std::string reason;
  bool permanent;  // refused for good: the event goes to the dead-letter sink
};
class DeliveryTarget {
 public:
  virtual ~DeliveryTarget() = default;
  // failures: per event; all_failed: non-empty when the whole batch failed.
  virtual void settle(std::size_t slot, std::vector<EventFailure> failures, std::string all_failed) = 0;
};
}  // namespace detail

// A sink's answer for one batch. Move-only; answer exactly once, from any thread. A Delivery that
// is destroyed unanswered fails the batch, so a batch can never be forgotten.
class SLUICE_EXPORT Delivery {
 public:
  Delivery() = default;
  Delivery(std::shared_ptr<detail::DeliveryTarget> target, std::size_t slot)
      : target_(std::move(target)), slot_(slot) {}
  Delivery(Delivery&&) noexcept = default;
  Delivery& operator=(Delivery&& other) noexcept;
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;
  ~Delivery();

  // Event `index` of the batch was not accepted this time (the broker is down); the others may be.
  void fail_event(std::size_t index, std::string reason);
  // Event `index` will never be accepted (too large, an invalid record): sending it again cannot
  // help. It goes to the pipeline's dead-letter sink, or is nacked as rejected when there is none.
  void reject_event(std::size_t index, std::string reason);
  // Every event not failed with fail_event() is accepted.
  void complete();
  // No event of the batch was accepted.
  void fail(std::string reason);
  bool pending() const { return target_ != nullptr; }

 private:
  std::shared_ptr<detail::DeliveryTarget> target_;
  std::size_t slot_ = 0;
  std::vector<detail::EventFailure> failures_;
};

class SLUICE_EXPORT Sink {
 public:
  virtual ~Sink();
  // Called once before the first write.
  virtual void start() {}
  // Called by one thread at a time, in batch order: the pipeline thread, or a source's thread
  // that emitted into an idle pipeline (an HTTP I/O thread, a Kafka consumer); for a pipeline's
  // dead-letter sink, its dead-letter thread. Hand the batch on and return: do not wait for the
  // destination here, answer `done` later from any thread. The batch stays alive and unchanged
  // while `done` is pending.
  // The engine bounds how many batches a sink holds at once (sink_max_in_flight).
  virtual void write(std::shared_ptr<const Batch> batch, Delivery done) = 0;
  // No more writes: deliver what is pending before the deadline. Pending Deliveries left after
  // this are failed when the sink is destroyed.
  virtual void flush(Deadline deadline) { (void)deadline; }
  // Whether the sink can deliver right now (its broker answers, say). Called from any thread.
  virtual bool ready(std::string& why) const {
    (void)why;
    return true;
  }
};

}  // namespace sluice
