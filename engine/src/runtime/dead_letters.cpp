#include "runtime/dead_letters.hpp"

#include <nlohmann/json.hpp>

#include "runtime/ack_group.hpp"
#include "sluice/errors.hpp"

namespace sluice::runtime {

namespace {

std::string meta_or(const Event& e, const char* key, const char* fallback) {
  const std::string* v = e.meta().find(key);
  return v ? *v : fallback;
}

// One batch of dead letters on its way through the dead-letter sink; answers their sources.
class DeadLetterFlight final : public detail::DeliveryTarget {
 public:
  DeadLetterFlight(std::shared_ptr<Batch> batch, std::shared_ptr<InFlightTracker> tracker,
                   std::shared_ptr<std::atomic<std::uint64_t>> confirmed, Counter counter, std::string label)
      : batch_(std::move(batch)),
        tracker_(std::move(tracker)),
        confirmed_(std::move(confirmed)),
        counter_(counter),
        label_(std::move(label)) {}

  void settle(std::size_t slot, std::vector<detail::EventFailure> failures, std::string all_failed) override {
    auto& events = batch_->events();
    std::vector<std::string> failed(events.size());
    if (!all_failed.empty()) {
      for (auto& f : failed) f = all_failed;
    }
    for (auto& f : failures) {
      if (f.index < failed.size() && failed[f.index].empty()) failed[f.index] = std::move(f.reason);
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
      Failure failure;
      failure.component = meta_or(events[i], metadata_key::dead_letter_component, "engine");
      failure.reason = failure.component + ": " + meta_or(events[i], metadata_key::dead_letter_reason, "refused");
      failure.rejected = true;  // a dead letter is an event that sending again will not deliver
      if (failed[i].empty()) {
        failure.dead_lettered = true;
        // Counted before the source hears, so stats never lag behind an answer already given.
        confirmed_->fetch_add(1, std::memory_order_relaxed);
        counter_.inc();
      } else {
        // The dead-letter sink failed too: a plain nack, so the source does not move past it.
        failure.reason += " (and the dead-letter sink " + label_ + " failed: " + failed[i] + ")";
      }
      settle_range(events, i, i + 1, &failure);
    }
    tracker_->release(slot);
  }

 private:
  std::shared_ptr<Batch> batch_;
  std::shared_ptr<InFlightTracker> tracker_;
  std::shared_ptr<std::atomic<std::uint64_t>> confirmed_;
  Counter counter_;
  std::string label_;
};

void nack_all(std::vector<Event>& events, const std::string& why) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    Failure failure;
    failure.component = meta_or(events[i], metadata_key::dead_letter_component, "engine");
    failure.reason =
        failure.component + ": " + meta_or(events[i], metadata_key::dead_letter_reason, "refused") + " (" + why + ")";
    failure.rejected = true;
    settle_range(events, i, i + 1, &failure);
  }
}

}  // namespace

Event dead_letter_copy(Event& event, const std::string& component, const std::string& reason) {
  std::string payload;
  try {
    payload = std::string(event.payload());
  } catch (const EventError&) {
    payload = event.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  Event copy(std::move(payload), event.received_at());
  for (const auto& [key, value] : event.meta()) copy.meta().set(key, value);
  copy.meta().set(metadata_key::dead_letter_reason, reason);
  copy.meta().set(metadata_key::dead_letter_component, component);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch());
  copy.meta().set(metadata_key::dead_letter_at, std::to_string(now.count()));
  detail::EventAccess::ack(copy) = std::exchange(detail::EventAccess::ack(event), nullptr);
  detail::EventAccess::index(copy) = detail::EventAccess::index(event);
  return copy;
}

DeadLetters::DeadLetters(ComponentInstance<Sink> sink, const config::PipelineSettings& settings,
                         bool include_refused_requests)
    : sink_(std::move(sink)),
      max_events_(static_cast<std::size_t>(settings.batch_max_events)),
      include_refused_requests_(include_refused_requests),
      queue_(static_cast<std::size_t>(settings.queue_capacity)),
      tracker_(std::make_shared<InFlightTracker>(1, static_cast<std::size_t>(settings.sink_max_in_flight))) {}

DeadLetters::~DeadLetters() {
  abort();
  if (thread_.joinable()) thread_.join();
  destroy_sink();
}

void DeadLetters::start() {
  sink_.object->start();
  thread_ = std::thread([this] { run(); });
}

bool DeadLetters::push(std::vector<Event>& events, const std::function<void(std::vector<Event>&)>& prepare) {
  return queue_.push(events, [&](std::vector<Event>& ev) {
    if (prepare) prepare(ev);
  });
}

void DeadLetters::run() {
  std::vector<Event> chunk;
  while (queue_.pop(chunk, max_events_, std::chrono::milliseconds(0))) {
    // Only this thread processes dead letters (nothing claims this queue); the release lets the
    // next pop go ahead.
    EventQueue::Releaser release{queue_};
    auto batch = std::make_shared<Batch>(std::move(chunk));
    chunk.clear();
    if (!tracker_->acquire(0)) {
      nack_all(batch->events(), "the engine shut down before the dead-letter sink took it");
      continue;
    }
    auto flight = std::make_shared<DeadLetterFlight>(batch, tracker_, confirmed_, counter_, sink_.label());
    try {
      sink_.object->write(batch, Delivery(flight, 0));
    } catch (const std::exception& e) {
      // The Delivery passed in was destroyed unanswered, which nacked the batch.
      sink_.context->log.error("write failed: ", e.what());
    }
  }
}

bool DeadLetters::finish(Deadline deadline) {
  queue_.close();
  if (thread_.joinable()) thread_.join();
  if (!sink_.object) return true;
  try {
    sink_.object->flush(deadline);
  } catch (const std::exception& e) {
    sink_.context->log.error("flush failed: ", e.what());
  }
  return tracker_->wait_idle(deadline);
}

void DeadLetters::abort() {
  std::vector<Event> left = queue_.abort();
  if (!left.empty()) nack_all(left, "the engine shut down before the dead-letter sink took it");
  tracker_->abort();
}

void DeadLetters::destroy_sink() {
  if (thread_.joinable()) {
    abort();
    thread_.join();
  }
  sink_.reset();
}

}  // namespace sluice::runtime
