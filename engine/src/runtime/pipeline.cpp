#include "runtime/pipeline.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "metrics/engine_metrics.hpp"
#include "runtime/ack_group.hpp"
#include "runtime/transform_steps.hpp"
#include "sluice/errors.hpp"

namespace sluice::runtime {

namespace {

std::int64_t to_ns(Deadline d) { return d.time_since_epoch().count(); }

// Attaches one ack group to all events of an emit, once they were taken (a refused emit keeps its
// callback as it was, for the source to try again), and counts its answer in `tally`.
void attach_ack(std::vector<Event>& events, AckFn& on_ack, DeliveryTally& tally) {
  if (!on_ack) return;  // the source does not want to know
  tally.count_answer_of(on_ack);
  auto* group = new detail::AckGroup(events.size(), std::move(on_ack));
  std::uint32_t index = 0;
  for (auto& e : events) {
    detail::EventAccess::ack(e) = group;
    detail::EventAccess::index(e) = index++;
  }
}

// A source's events taken by the pipeline: received from outside and sent on, both at once.
void count_taken(ComponentCounters& c, std::size_t n, std::uint64_t bytes) {
  c.received_events.inc(n);
  c.sent_events.inc(n);
  c.received_bytes.inc(bytes);
  c.sent_bytes.inc(bytes);
}

}  // namespace

Pipeline::Pipeline(std::string name, const config::PipelineSettings& settings, Duration shutdown_timeout,
                   ComponentInstance<Source> source, std::vector<ComponentInstance<Transform>> transforms,
                   std::vector<ComponentInstance<Sink>> sinks, std::shared_ptr<DeadLetters> dead_letters,
                   std::function<void()> on_finished)
    : name_(std::move(name)),
      settings_(settings),
      shutdown_timeout_(shutdown_timeout),
      log_(name_ + "/pipeline"),
      queue_(static_cast<std::size_t>(settings.queue_capacity)),
      tracker_(std::make_shared<InFlightTracker>(sinks.size(), static_cast<std::size_t>(settings.sink_max_in_flight))),
      source_(std::move(source)),
      transforms_(std::move(transforms)),
      sinks_(std::move(sinks)),
      dead_letters_(std::move(dead_letters)),
      on_finished_(std::move(on_finished)),
      process_on_emit_(settings.batch_max_wait.count() == 0) {
  auto labels = std::make_shared<std::vector<std::string>>();
  for (const auto& s : sinks_) labels->push_back(s.label());
  sink_labels_ = std::move(labels);
  transform_counters_.resize(transforms_.size());
  sink_metrics_ = std::make_shared<SinkMetrics>();
  sink_metrics_->sinks.resize(sinks_.size());
}

void Pipeline::attach_metrics(metrics::Registry& registry, const config::PipelineConfig& config) {
  if (!registry.enabled()) return;
  // Each component's Context::metrics carries its pipeline, label and type labels.
  source_counters_ = ComponentCounters::make(*source_.context->metrics, ComponentKind::source);
  for (std::size_t i = 0; i < transforms_.size(); ++i) {
    transform_counters_[i] = ComponentCounters::make(*transforms_[i].context->metrics, ComponentKind::transform);
  }
  auto engine_scope = registry.for_engine();
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    auto& s = sink_metrics_->sinks[i];
    s.counters = ComponentCounters::make(*sinks_[i].context->metrics, ComponentKind::sink);
    s.latency = metrics::histogram(*engine_scope, metrics::EngineMetric::event_latency_seconds, latency_buckets(),
                                   {{"pipeline", name_}, {"sink", sinks_[i].label()}});
  }
  sink_metrics_->keep = engine_scope;
  sink_metrics_->on = true;
  if (dead_letters_) {
    dead_letters_->count_confirmed_in(
        metrics::counter(*dead_letters_->metrics(), metrics::EngineMetric::dead_letter_events));
  }
  metrics_on_ = true;
  for (std::size_t i = 0; i < sinks_.size() && i < config.sinks.size(); ++i) {
    sink_gauge_labels_.push_back(
        {{"pipeline", name_}, {"component", sinks_[i].label()}, {"type", config.sinks[i].type}});
  }
}

void Pipeline::publish_gauges(metrics::Registry& registry) {
  if (!metrics_on_) return;
  // Gauges read live state when /metrics is rendered: nothing to update on the event path.
  gauges_ = registry.add_scoped_collector([this](metrics::Exposition& out) {
    using metrics::EngineMetric;
    metrics::add(out, EngineMetric::queue_events, {{"pipeline", name_}}, static_cast<double>(queue_.size()));
    metrics::add(out, EngineMetric::queue_capacity_events, {{"pipeline", name_}},
                 static_cast<double>(queue_.capacity()));
    for (std::size_t i = 0; i < sink_gauge_labels_.size(); ++i) {
      metrics::add(out, EngineMetric::sink_in_flight_batches, sink_gauge_labels_[i],
                   static_cast<double>(tracker_->in_flight(i)));
    }
  });
}

void Pipeline::withdraw_gauges() { gauges_.reset(); }

bool Pipeline::sinks_ready(std::string& detail) const {
  bool all = true;
  for (const auto& sink : sinks_) {
    std::string why;
    if (!sink.object->ready(why)) {
      all = false;
      detail += (detail.empty() ? "" : "; ") + sink.label() + ": " + why;
    }
  }
  return all;
}

namespace {
// Where an injected event enters the transforms: an engine-only mark, taken off before any
// transform sees the event.
constexpr const char* kEntersAt = "sluice.engine.enters_at";
}  // namespace

bool Pipeline::inject(std::vector<Event>& events, const std::string& by) {
  std::size_t enters_at = 0;
  for (std::size_t i = 0; i < transforms_.size(); ++i) {
    if (transforms_[i].label() == by) enters_at = i + 1;
  }
  if (enters_at > 0) {
    for (auto& e : events) e.meta().set(kEntersAt, std::to_string(enters_at));
  }
  const std::size_t n = events.size();
  if (!queue_.try_push(events, [](std::vector<Event>&) {})) return false;
  events_in_.fetch_add(n, std::memory_order_relaxed);
  return true;
}

Pipeline::~Pipeline() {
  gauges_.reset();
  abort();
  join();
  // Normally the Engine did this already, after stopping its io_context.
  stop_transforms();
  destroy_sinks();
  destroy_transforms();
  destroy_source();
}

void Pipeline::start_sinks() {
  for (auto& sink : sinks_) {
    try {
      sink.object->start();
    } catch (const std::exception& e) {
      sink.context->log.error("failed to start: ", e.what());
      failed_ = true;
    }
  }
  if (dead_letters_) {
    try {
      dead_letters_->start();
    } catch (const std::exception& e) {
      log_.error(dead_letters_->label(), " failed to start: ", e.what());
      failed_ = true;
    }
  }
}

void Pipeline::start_transforms() {
  if (failed_) return;  // a sink did not start: the pipeline will not run
  transforms_started_ =
      runtime::start_transforms(transforms_, [this](ComponentInstance<Transform>& t, const std::string& what) {
        t.context->log.error("failed to start: ", what);
        failed_ = true;
      });
}

void Pipeline::stop_transforms() { runtime::stop_transforms(transforms_, std::exchange(transforms_started_, 0)); }

void Pipeline::start_worker() {
  worker_ = std::thread([this] { run(); });
}

void Pipeline::start_source() {
  if (failed_) {
    close();
    return;
  }
  try {
    source_.object->start(*this);
  } catch (const std::exception& e) {
    source_.context->log.error("failed to start: ", e.what());
    failed_ = true;
    close();
  }
}

void Pipeline::request_stop(Deadline deadline) {
  std::call_once(stop_once_, [&] {
    std::int64_t expected = 0;
    deadline_ns_.compare_exchange_strong(expected, to_ns(deadline));
    try {
      source_.object->stop();
    } catch (const std::exception& e) {
      source_.context->log.error("failed to stop cleanly: ", e.what());
      close();
    }
  });
}

void Pipeline::abort() {
  if (aborted_.exchange(true)) return;
  std::vector<Event> left = queue_.abort();
  if (!left.empty()) {
    failed_ = true;
    log_.error(left.size(), " queued events were not delivered before the shutdown deadline; their sources get a nack");
    source_counters_.discarded_unintended.inc(left.size());
    static const Failure failure{"the engine shut down before this event was delivered", false};
    settle_range(left, 0, left.size(), &failure);
  }
  tracker_->abort();
  if (dead_letters_) dead_letters_->abort();
}

void Pipeline::join() {
  if (worker_.joinable()) worker_.join();
}

bool Pipeline::delivered_nothing() {
  const auto tally = tally_.summary();
  if (tally.failed == 0 || tally.handled > 0) return false;
  log_.error("no event could be delivered (", tally.failed, tally.failed == 1 ? " emit" : " emits",
             " of the source failed, none succeeded); the first failed because ", tally.first_failure);
  return true;
}

PipelineStats Pipeline::stats() const {
  PipelineStats s;
  s.events_in = events_in_.load();
  s.events_to_sinks = events_to_sinks_.load();
  s.events_rejected = events_rejected_.load();
  s.events_dropped = events_dropped_.load();
  s.batches = batches_.load();
  s.events_dead_lettered = dead_letters_ ? dead_letters_->confirmed() : 0;
  s.queue_high_water = queue_.high_water();
  return s;
}

// Sinks go first: destroying one fails the deliveries it still holds, and those acks must reach
// sources that are still alive.
void Pipeline::destroy_sinks() {
  while (!sinks_.empty()) sinks_.pop_back();
  // Last: the sinks destroyed above may have refused events for good, which went to it.
  if (dead_letters_) dead_letters_->destroy_sink();
}
void Pipeline::destroy_transforms() {
  while (!transforms_.empty()) transforms_.pop_back();
}
void Pipeline::destroy_source() { source_.reset(); }

bool Pipeline::try_emit(std::vector<Event>& events, AckFn& on_ack) {
  if (events.empty()) {
    if (on_ack) std::exchange(on_ack, {})(AckResult{});
    return true;
  }
  if (process_here(events, on_ack)) return true;
  const std::size_t n = events.size();
  const std::uint64_t bytes = metrics_on_ ? payload_bytes(events) : 0;
  if (!queue_.try_push(events, [&](std::vector<Event>& ev) { attach_ack(ev, on_ack, tally_); })) return false;
  events_in_.fetch_add(n, std::memory_order_relaxed);
  count_taken(source_counters_, n, bytes);
  return true;
}

bool Pipeline::emit(std::vector<Event>& events, AckFn& on_ack) {
  if (events.empty()) {
    if (on_ack) std::exchange(on_ack, {})(AckResult{});
    return true;
  }
  if (process_here(events, on_ack)) return true;
  const std::size_t n = events.size();
  const std::uint64_t bytes = metrics_on_ ? payload_bytes(events) : 0;
  if (!queue_.push(events, [&](std::vector<Event>& ev) { attach_ack(ev, on_ack, tally_); })) return false;
  events_in_.fetch_add(n, std::memory_order_relaxed);
  count_taken(source_counters_, n, bytes);
  return true;
}

bool Pipeline::dead_letter(std::vector<Event>& events, const std::string& component, const std::string& reason,
                           AckFn& on_ack) {
  if (!dead_letters_) return false;
  if (events.empty()) {
    if (on_ack) std::exchange(on_ack, {})(AckResult{});
    return true;
  }
  std::vector<Event> stamped;
  stamped.reserve(events.size());
  for (auto& e : events) stamped.push_back(dead_letter_copy(e, component, reason));
  if (!dead_letters_->push(stamped, [&](std::vector<Event>& ev) { attach_ack(ev, on_ack, tally_); })) return false;
  events.clear();
  return true;
}

void Pipeline::close() {
  // A source that ends by itself (a finite generator) starts the drain clock now.
  std::int64_t expected = 0;
  deadline_ns_.compare_exchange_strong(expected, to_ns(std::chrono::steady_clock::now() + shutdown_timeout_));
  queue_.close();
}

Deadline Pipeline::deadline() const {
  const std::int64_t ns = deadline_ns_.load();
  if (ns == 0) return std::chrono::steady_clock::now() + shutdown_timeout_;
  return Deadline(Deadline::duration(ns));
}

void Pipeline::run() {
  std::vector<Event> chunk;
  const auto max_events = static_cast<std::size_t>(settings_.batch_max_events);
  while (queue_.pop(chunk, max_events, settings_.batch_max_wait)) {
    EventQueue::Releaser release{queue_};
    // Events a transform injected go through the transforms after it only: split them off (in
    // their order) and process each group from its own entry point.
    std::map<std::size_t, std::vector<Event>> injected;
    std::size_t keep = 0;
    for (std::size_t i = 0; i < chunk.size(); ++i) {
      const std::string* at = chunk[i].meta().find(kEntersAt);
      if (at == nullptr) {
        if (keep != i) chunk[keep] = std::move(chunk[i]);
        ++keep;
        continue;
      }
      const std::size_t first = static_cast<std::size_t>(std::stoul(*at));
      chunk[i].meta().erase(kEntersAt);
      injected[first].push_back(std::move(chunk[i]));
    }
    chunk.resize(keep);
    if (!chunk.empty()) process_and_dispatch(std::make_shared<Batch>(std::move(chunk)), 0);
    chunk.clear();
    for (auto& [first, events] : injected) process_and_dispatch(std::make_shared<Batch>(std::move(events)), first);
  }
  finish_run();
}

bool Pipeline::process_here(std::vector<Event>& events, AckFn& on_ack) {
  // A batch_max_wait asks for fuller batches than one emit: those come from the queue only.
  if (!process_on_emit_ || !queue_.try_claim()) return false;
  EventQueue::Releaser release{queue_};
  // Waiting for a sink slot here would block the source's thread (an HTTP I/O thread, say):
  // the queue and the pipeline thread take the events instead. Only the thread holding the claim
  // takes slots, so the room seen here cannot shrink before dispatch() takes them.
  if (!tracker_->has_room()) return false;
  const std::size_t n = events.size();
  attach_ack(events, on_ack, tally_);
  events_in_.fetch_add(n, std::memory_order_relaxed);
  count_taken(source_counters_, n, metrics_on_ ? payload_bytes(events) : 0);
  process_and_dispatch(std::make_shared<Batch>(std::move(events)), 0);
  events.clear();
  return true;
}

void Pipeline::process_and_dispatch(std::shared_ptr<Batch> batch, std::size_t first_transform) {
  batches_.fetch_add(1, std::memory_order_relaxed);
  if (!run_transforms(*batch, first_transform) || batch->empty()) return;
  // Sinks share the batch read-only; serialise edited JSON once, here, not in each sink. An
  // event whose edit cannot be serialised is refused alone; the rest of the batch goes on.
  reject_unserialisable(*batch);
  apply_removals(*batch, "engine");
  if (batch->empty()) return;
  events_to_sinks_.fetch_add(batch->size(), std::memory_order_relaxed);
  dispatch(std::move(batch));
}

void Pipeline::finish_run() {
  flush_sinks();
  if (!tracker_->wait_idle(deadline())) {
    failed_ = true;
    log_.error(tracker_->total(),
               " batches were still unconfirmed by their sinks at the shutdown deadline; "
               "their events are nacked");
  }
  // After the sinks: their permanent refusals go to the dead-letter sink until they are idle.
  if (dead_letters_ && !dead_letters_->finish(deadline())) {
    failed_ = true;
    log_.error("dead letters were still unconfirmed by ", dead_letters_->label(),
               " at the shutdown deadline; their events are nacked");
  }
  mark_finished();
}

bool Pipeline::run_transforms(Batch& batch, std::size_t first) {
  // Which transform ran last and how many events it was given, for its counters. One reference
  // captured: the callbacks stay within std::function's small buffer (no allocation per batch).
  struct Step {
    Pipeline* self;
    std::size_t index;
    std::size_t given;
  } step{this, first, batch.size()};
  return runtime::run_transforms(
      transforms_, first, batch,
      [&step](Batch& b, const std::string& label) {
        ComponentCounters& c = step.self->transform_counters_[step.index];
        step.self->apply_removals(b, label, &c);
        c.received_events.inc(step.given);
        c.sent_events.inc(b.size());
        step.given = b.size();
        ++step.index;
      },
      [&step](Batch& b, ComponentInstance<Transform>& t, const std::string& what) {
        // A transform that breaks is the engine's problem, not bad input: a delivery failure.
        Failure failure{t.label() + " failed: " + what, false};
        failure.component = t.label();
        t.context->log.warn("rejected a batch of ", b.size(), " events: ", what);
        ComponentCounters& c = step.self->transform_counters_[step.index];
        c.received_events.inc(step.given);
        c.failed.inc(b.size());
        step.self->events_rejected_.fetch_add(b.size(), std::memory_order_relaxed);
        settle_range(b.events(), 0, b.size(), &failure);
      });
}

void Pipeline::apply_removals(Batch& batch, const std::string& label, ComponentCounters* by) {
  // Called after every transform of every batch: most have nothing to remove, and wrapping the
  // callbacks below in std::function would cost an allocation each time.
  if (batch.removals().empty()) return;
  std::vector<detail::AckGroup*> refused;  // emits with a rejected event
  // A request source answers 400 whatever happens, so its rejections are dead-lettered only when
  // the pipeline asks for it.
  const bool to_dead_letters = dead_letters_ && (!emits_are_requests_ || dead_letters_->include_refused_requests());
  std::vector<Event> dead;
  const auto each = [&](std::vector<Event>& events, Batch::Removal& r) {
    if (r.rejected) {
      if (auto* group = detail::EventAccess::ack(events[r.index])) refused.push_back(group);
      events_rejected_.fetch_add(1, std::memory_order_relaxed);
      if (by) by->rejected.inc();
      if (to_dead_letters) {
        // Its ack goes with it: the source hears once the dead-letter sink has answered.
        dead.push_back(dead_letter_copy(events[r.index], label, r.reason));
        return;
      }
      Failure failure{label + ": " + r.reason, true};
      failure.component = label;
      settle_range(events, r.index, r.index + 1, &failure);
    } else {
      // Counted before the answer, which may reach the source at once: stats never lag it.
      events_dropped_.fetch_add(1, std::memory_order_relaxed);
      if (by) by->discarded_intentional.inc();
      settle_range(events, r.index, r.index + 1, nullptr);
    }
  };
  // For a source whose emits are requests, a rejection refuses the whole emit: the source answers
  // "no" (an HTTP 400), so none of the emit's other events may reach a sink, or a client
  // correcting and resending its request would store them twice.
  const auto more = [&](std::vector<Event>& events, std::vector<char>& removed) {
    if (refused.empty() || !emits_are_requests_) return;
    Failure collateral{label + ": refused with another event of the same request", true, true};
    collateral.component = label;
    for (std::size_t i = 0; i < events.size(); ++i) {
      auto* group = detail::EventAccess::ack(events[i]);
      if (removed[i] || group == nullptr || std::find(refused.begin(), refused.end(), group) == refused.end()) continue;
      removed[i] = 1;
      events_rejected_.fetch_add(1, std::memory_order_relaxed);
      if (by) by->rejected.inc();
      settle_range(events, i, i + 1, &collateral);
    }
  };
  runtime::apply_removals(batch, each, more);
  if (!dead.empty() && !dead_letters_->push(dead)) {
    // Aborted at the shutdown deadline: a plain nack, so the source does not move past them.
    for (std::size_t i = 0; i < dead.size(); ++i) {
      Failure failure{label + ": " + *dead[i].meta().find(metadata_key::dead_letter_reason) +
                          " (the engine shut down before the dead-letter sink took it)",
                      true};
      failure.component = label;
      settle_range(dead, i, i + 1, &failure);
    }
  }
}

void Pipeline::dispatch(std::shared_ptr<Batch> batch) {
  // Payloads are serialised by now (reject_unserialisable): their size is what a sink is given.
  const std::uint64_t bytes = metrics_on_ ? payload_bytes(batch->events()) : 0;
  auto flight = std::make_shared<BatchInFlight>(batch, sinks_.size(), tracker_, sink_labels_, dead_letters_,
                                                sink_metrics_, bytes);
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    if (!tracker_->acquire(i)) {
      flight->skip(i, "the engine shut down before this sink took the event");
      continue;
    }
    ComponentCounters& c = sink_metrics_->sinks[i].counters;
    c.received_events.inc(batch->size());
    c.received_bytes.inc(bytes);
    try {
      sinks_[i].object->write(batch, Delivery(flight, i));
    } catch (const std::exception& e) {
      // The Delivery passed in was destroyed unanswered, which failed the batch for this sink.
      sinks_[i].context->log.error("write failed: ", e.what());
    }
  }
}

void Pipeline::flush_sinks() {
  const Deadline d = deadline();
  for (auto& sink : sinks_) {
    try {
      sink.object->flush(d);
    } catch (const std::exception& e) {
      sink.context->log.error("flush failed: ", e.what());
    }
  }
}

void Pipeline::mark_finished() {
  finished_.store(true, std::memory_order_release);
  if (on_finished_) on_finished_();
}

}  // namespace sluice::runtime
