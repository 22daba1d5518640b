#pragma once
// One running pipeline: source -> bounded queue -> pipeline thread (batches, transforms) -> sinks,
// and, when configured, a dead-letter sink for what will never be delivered (runtime/dead_letters.hpp).
//
// Who runs transforms and sinks: when a source emits into an idle pipeline (nothing queued, no
// thread processing, every sink with a free in-flight slot), the source's own thread runs the
// transforms and hands the batch to the sinks, and the pipeline thread is not woken at all: a
// click then costs no hand-off between its HTTP I/O thread and the engine. Under load the queue
// fills and the pipeline thread batches what waits, as before. Either way one thread at a time
// processes (EventQueue's claim), in emit order. A pipeline with batch_max_wait > 0 always goes
// through the queue, since it asked for batches fuller than one emit.
//
// Lifecycle, driven by the Engine:
//   start_sinks(), start_transforms(), start_worker()  for every pipeline, then start_source()
//   request_stop(deadline)         source stops taking events; the queue drains; sinks flush
//   abort()                        only when the deadline passed: unblock everything, nack the rest
//   join(); the Engine stops its io_context; stop_transforms() (after the last batch: no thread
//   processes any more once join() returned and the queue is aborted); then destroy_sinks() /
//   destroy_transforms() / destroy_source() across all pipelines (sluice/thread_model.hpp)

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config_model.hpp"
#include "metrics/registry.hpp"
#include "runtime/component_instance.hpp"
#include "runtime/dead_letters.hpp"
#include "runtime/delivery_tally.hpp"
#include "runtime/event_queue.hpp"
#include "runtime/pipeline_metrics.hpp"
#include "runtime/sink_dispatch.hpp"
#include "sluice/log.hpp"

namespace sluice::runtime {

struct PipelineStats {
  std::uint64_t events_in = 0;             // taken from the source
  std::uint64_t events_to_sinks = 0;       // handed to the sinks after transforms
  std::uint64_t events_rejected = 0;       // rejected by transforms
  std::uint64_t events_dropped = 0;        // filtered by transforms
  std::uint64_t events_dead_lettered = 0;  // confirmed by the dead-letter sink
  std::uint64_t batches = 0;
  std::size_t queue_high_water = 0;
};

class Pipeline final : private Emitter {
 public:
  Pipeline(std::string name, const config::PipelineSettings& settings, Duration shutdown_timeout,
           ComponentInstance<Source> source, std::vector<ComponentInstance<Transform>> transforms,
           std::vector<ComponentInstance<Sink>> sinks, std::shared_ptr<DeadLetters> dead_letters,
           std::function<void()> on_finished);
  ~Pipeline() override;

  const std::string& name() const { return name_; }

  void start_sinks();
  // Transform::start() on each, in order; a throw fails the pipeline (its source is not started).
  void start_transforms();
  // Transform::stop() on each that started; call after join(), once no batch can run any more.
  void stop_transforms();
  void start_worker();
  void start_source();
  void request_stop(Deadline deadline);
  void abort();
  void join();

  bool finished() const { return finished_.load(std::memory_order_acquire); }
  // True when the pipeline could not run as configured (a component failed to start), or ended
  // at the shutdown deadline with events its sinks never confirmed (they were nacked).
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  PipelineStats stats() const;
  // After join(): true (and logged) when emits of the source failed delivery and not one was
  // delivered or dead-lettered (see delivery_tally.hpp). The run then ends with exit status 1.
  bool delivered_nothing();
  // Events a transform makes on its own (Context::inject): queued without an ack.
  // `by`: the label of the component that made them. A transform's events enter after it, so the
  // transforms before it (a validation that a stats event would fail) never see them.
  bool inject(std::vector<Event>& events, const std::string& by = {});
  // For Context::sinks_ready.
  bool sinks_ready(std::string& detail) const;

  void destroy_sinks();
  void destroy_transforms();
  void destroy_source();

  // Counts this pipeline's events in `registry` (runtime/pipeline_metrics.hpp) and serves its
  // gauges (queue, sinks' batches in flight) from live state at render time. Call once, before
  // start; `config` is the one the pipeline was built from (it names each component's type).
  // Nothing when the registry is disabled.
  void attach_metrics(metrics::Registry& registry, const config::PipelineConfig& config);
  // The pipeline's gauges (queue, sinks in flight), read at each render while published. A reload
  // runs the old and the new pipeline of a name side by side for a moment: the engine withdraws
  // the old one's before it publishes the new one's, so a series is never written twice.
  void publish_gauges(metrics::Registry& registry);
  void withdraw_gauges();

 private:
  // Emitter, for the source.
  bool try_emit(std::vector<Event>& events, AckFn& on_ack) override;
  bool emit(std::vector<Event>& events, AckFn& on_ack) override;
  void close() override;
  void treat_emits_as_requests() override { emits_are_requests_ = true; }
  bool dead_letter(std::vector<Event>& events, const std::string& component, const std::string& reason,
                   AckFn& on_ack) override;

  // Runs transforms and sinks for `events` on the calling thread when the pipeline is idle; false
  // (events untouched) when they must be queued instead.
  bool process_here(std::vector<Event>& events, AckFn& on_ack);
  void run();
  bool run_transforms(Batch& batch, std::size_t first = 0);
  void process_and_dispatch(std::shared_ptr<Batch> batch, std::size_t first_transform);
  void finish_run();  // after the queue closed: flush sinks, wait for their answers
  // `by`: the transform whose removals these are (its counters), null for the engine's own.
  void apply_removals(Batch& batch, const std::string& label, ComponentCounters* by = nullptr);
  void dispatch(std::shared_ptr<Batch> batch);
  void flush_sinks();
  Deadline deadline() const;
  void mark_finished();

  const std::string name_;
  const config::PipelineSettings settings_;
  const Duration shutdown_timeout_;
  Logger log_;

  EventQueue queue_;
  std::shared_ptr<InFlightTracker> tracker_;
  std::shared_ptr<const std::vector<std::string>> sink_labels_;

  ComponentInstance<Source> source_;
  std::vector<ComponentInstance<Transform>> transforms_;
  std::size_t transforms_started_ = 0;  // the first n of transforms_ whose start() returned
  std::vector<ComponentInstance<Sink>> sinks_;
  std::shared_ptr<DeadLetters> dead_letters_;  // null when the pipeline has no dead_letter block

  std::function<void()> on_finished_;
  const bool process_on_emit_;  // see process_here()
  std::thread worker_;
  std::once_flag stop_once_;
  std::atomic<std::int64_t> deadline_ns_{0};  // steady_clock; 0 until a stop or the source closes
  std::atomic<bool> finished_{false};
  std::atomic<bool> failed_{false};
  std::atomic<bool> aborted_{false};
  std::atomic<bool> emits_are_requests_{false};

  std::atomic<std::uint64_t> events_in_{0};
  std::atomic<std::uint64_t> events_to_sinks_{0};
  std::atomic<std::uint64_t> events_rejected_{0};
  std::atomic<std::uint64_t> events_dropped_{0};
  std::atomic<std::uint64_t> batches_{0};
  DeliveryTally tally_;

  // Metrics (attach_metrics); default handles, which do nothing, until then.
  bool metrics_on_ = false;
  ComponentCounters source_counters_;
  std::vector<ComponentCounters> transform_counters_;  // by position, sized at construction
  std::shared_ptr<SinkMetrics> sink_metrics_;          // shared with the batches in flight
  // Last: removed first, so the gauges' collector never reads a pipeline being destroyed.
  std::vector<MetricLabels> sink_gauge_labels_;  // by sink position
  metrics::Registry::Subscription gauges_;
};

}  // namespace sluice::runtime
