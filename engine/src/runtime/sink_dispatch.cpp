#include "runtime/sink_dispatch.hpp"

#include <chrono>

#include "runtime/ack_group.hpp"
#include "runtime/dead_letters.hpp"

namespace sluice::runtime {

bool InFlightTracker::acquire(std::size_t sink) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return aborted_ || in_flight_[sink] < max_; });
  if (aborted_) return false;
  ++in_flight_[sink];
  ++total_;
  return true;
}

bool InFlightTracker::has_room() const {
  std::lock_guard lock(mutex_);
  if (aborted_) return false;
  for (const std::size_t n : in_flight_) {
    if (n >= max_) return false;
  }
  return true;
}

void InFlightTracker::release(std::size_t sink) {
  {
    std::lock_guard lock(mutex_);
    --in_flight_[sink];
    --total_;
  }
  changed_.notify_all();
}

bool InFlightTracker::wait_idle(Deadline deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] { return total_ == 0; });
}

std::size_t InFlightTracker::in_flight(std::size_t sink) const {
  std::lock_guard lock(mutex_);
  return sink < in_flight_.size() ? in_flight_[sink] : 0;
}

std::size_t InFlightTracker::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

void InFlightTracker::abort() {
  {
    std::lock_guard lock(mutex_);
    aborted_ = true;
  }
  changed_.notify_all();
}

BatchInFlight::BatchInFlight(std::shared_ptr<Batch> batch, std::size_t sinks, std::shared_ptr<InFlightTracker> tracker,
                             std::shared_ptr<const std::vector<std::string>> sink_labels,
                             std::shared_ptr<DeadLetters> dead_letters, std::shared_ptr<SinkMetrics> metrics,
                             std::uint64_t bytes)
    : batch_(std::move(batch)),
      tracker_(std::move(tracker)),
      sink_labels_(std::move(sink_labels)),
      dead_letters_(std::move(dead_letters)),
      metrics_(std::move(metrics)),
      bytes_(bytes),
      sinks_left_(sinks) {}

void BatchInFlight::count(std::size_t slot, const std::vector<detail::EventFailure>& failures, bool all_failed) {
  if (!metrics_ || !metrics_->on || slot >= metrics_->sinks.size()) return;
  SinkCounters& s = metrics_->sinks[slot];
  const auto& events = batch_->events();
  const std::size_t n = events.size();
  if (all_failed) {
    s.counters.failed.inc(n);
    return;
  }
  // The common case first: every event acknowledged, no per-event bookkeeping.
  const double now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  const auto age = [&](const Event& e) {
    return now - std::chrono::duration<double>(e.received_at().time_since_epoch()).count();
  };
  if (failures.empty()) {
    s.counters.sent_events.inc(n);
    s.counters.sent_bytes.inc(bytes_);
    for (const auto& e : events) s.latency.observe(age(e));
    return;
  }
  std::vector<char> failed(n, 0);
  for (const auto& f : failures) {
    if (f.index >= n || failed[f.index]) continue;
    failed[f.index] = 1;
    (f.permanent ? s.counters.rejected : s.counters.failed).inc();
  }
  std::uint64_t sent = 0, bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (failed[i]) continue;
    ++sent;
    bytes += events[i].payload().size();
    s.latency.observe(age(events[i]));
  }
  s.counters.sent_events.inc(sent);
  s.counters.sent_bytes.inc(bytes);
}

void BatchInFlight::settle(std::size_t slot, std::vector<detail::EventFailure> failures, std::string all_failed) {
  count(slot, failures, !all_failed.empty());
  bool last = false;
  {
    std::lock_guard lock(mutex_);
    const std::size_t n = batch_->size();
    if (!all_failed.empty() || !failures.empty()) {
      if (event_failure_.empty()) event_failure_.resize(n);
      const std::string& label = (*sink_labels_)[slot];
      // The first sink to fail an event names the reason; later failures add nothing useful.
      if (!all_failed.empty()) {
        for (auto& f : event_failure_) {
          if (f.empty()) f = label + ": " + all_failed;
        }
      }
      for (auto& f : failures) {
        if (f.index >= n) continue;
        if (f.permanent) {
          if (refused_by_.empty()) refused_by_.resize(n);
          if (refused_by_[f.index].empty()) {
            refused_by_[f.index] = label;
            event_failure_[f.index] = std::move(f.reason);
          }
        } else if (event_failure_[f.index].empty()) {
          event_failure_[f.index] = label + ": " + f.reason;
        }
      }
    }
    last = --sinks_left_ == 0;
  }
  // Settle acks before freeing the slot, so by the time the pipeline sees the sink idle, the
  // sources have their answers (shutdown relies on this order).
  if (last) finish();
  tracker_->release(slot);
}

void BatchInFlight::skip(std::size_t slot, std::string reason) {
  if (metrics_ && slot < metrics_->sinks.size()) metrics_->sinks[slot].counters.timed_out.inc(batch_->size());
  bool last = false;
  {
    std::lock_guard lock(mutex_);
    if (event_failure_.empty()) event_failure_.resize(batch_->size());
    for (auto& f : event_failure_) {
      if (f.empty()) f = (*sink_labels_)[slot] + ": " + reason;
    }
    last = --sinks_left_ == 0;
  }
  if (last) finish();
}

void BatchInFlight::finish() {
  auto& events = batch_->events();
  if (event_failure_.empty()) {
    settle_range(events, 0, events.size(), nullptr);
    return;
  }
  // Refused for good: to the dead-letter sink, whose answer settles them; without one, a nack
  // that says retrying will not help.
  const auto refused = [&](std::size_t i) { return !refused_by_.empty() && !refused_by_[i].empty(); };
  if (!refused_by_.empty()) {
    std::vector<Event> dead;
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (!refused(i)) continue;
      if (dead_letters_) {
        dead.push_back(dead_letter_copy(events[i], refused_by_[i], event_failure_[i]));
      } else {
        Failure failure{refused_by_[i] + ": " + event_failure_[i], true};
        failure.component = refused_by_[i];
        settle_range(events, i, i + 1, &failure);
      }
    }
    if (!dead.empty() && !dead_letters_->push(dead)) {
      for (std::size_t i = 0; i < dead.size(); ++i) {
        Failure failure{"engine: the pipeline stopped before the dead-letter sink took this event", true};
        failure.component = "engine";
        settle_range(dead, i, i + 1, &failure);
      }
    }
  }
  // Runs of events with the same verdict settle together (a refused event's ack is detached now,
  // so it counts for nothing here).
  std::size_t begin = 0;
  while (begin < events.size()) {
    std::size_t end = begin + 1;
    while (end < events.size() && event_failure_[end] == event_failure_[begin] && refused(end) == refused(begin)) ++end;
    if (event_failure_[begin].empty() || refused(begin)) {
      settle_range(events, begin, end, nullptr);
    } else {
      Failure failure{event_failure_[begin], false};
      failure.component = event_failure_[begin].substr(0, event_failure_[begin].find(": "));
      settle_range(events, begin, end, &failure);
    }
    begin = end;
  }
}

}  // namespace sluice::runtime
