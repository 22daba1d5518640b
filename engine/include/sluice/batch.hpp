#pragma once
// What a transform works on: the events of one batch, in order. A transform edits events in place,
// rejects an event (its source is told why: for HTTP a 400), drops one (filtered: acknowledged
// without reaching the sinks), or adds new events not tied to any source (periodic summaries).

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "sluice/event.hpp"
#include "sluice/export.hpp"

namespace sluice {

namespace detail {
struct BatchAccess;  // the engine's: takes the removals (engine/src/runtime/batch_access.hpp)
}  // namespace detail

class SLUICE_EXPORT Batch {
 public:
  Batch() = default;
  explicit Batch(std::vector<Event> events) : events_(std::move(events)) {}

  std::size_t size() const { return events_.size(); }
  bool empty() const { return events_.empty(); }
  Event& operator[](std::size_t i) { return events_[i]; }
  const Event& operator[](std::size_t i) const { return events_[i]; }
  auto begin() { return events_.begin(); }
  auto end() { return events_.end(); }
  auto begin() const { return events_.begin(); }
  auto end() const { return events_.end(); }

  // Event i fails: its source receives a nack with this reason. It leaves the batch after the
  // transform returns.
  void reject(std::size_t i, std::string reason);
  // Event i is filtered out: its source receives an ack, the sinks never see it.
  void drop(std::size_t i);
  // A new event, acknowledged to nobody.
  void add(Event event) { events_.push_back(std::move(event)); }

  // What reject() and drop() asked for since the batch last went through the engine, in call
  // order: read-only, for a plugin's unit test (the engine applies them after the transform
  // returns, ignoring positions out of range and repeated ones).
  struct Removal {
    std::size_t index;
    bool rejected;       // false: dropped
    std::string reason;  // empty for a drop
  };
  const std::vector<Removal>& removals() const { return removals_; }
  std::vector<Event>& events() { return events_; }
  const std::vector<Event>& events() const { return events_; }

 private:
  friend struct detail::BatchAccess;

  std::vector<Event> events_;
  std::vector<Removal> removals_;
};

}  // namespace sluice
