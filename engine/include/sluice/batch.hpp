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

  // For the engine: what the last transform rejected and dropped, cleared when taken.
  struct Removal {
    std::size_t index;
    bool rejected;
    std::string reason;
  };
  std::vector<Removal> take_removals() { return std::exchange(removals_, {}); }
  std::vector<Event>& events() { return events_; }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
  std::vector<Removal> removals_;
};

}  // namespace sluice
