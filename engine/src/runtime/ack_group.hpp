#pragma once
// Acknowledgement bookkeeping. Each successful emit() creates one AckGroup for its events; every
// event points at its group. When the last event of a group is settled (all sinks accepted it, a
// transform dropped or rejected it, or the engine gave up on it) the source's callback runs once.
//
// Events of one group usually sit next to each other in a batch, so settling walks runs of equal
// groups and pays one atomic operation per run, not per event.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/component.hpp"
#include "sluice/event.hpp"

namespace sluice::detail {

struct AckGroup {
  AckGroup(std::size_t events, AckFn fn) : pending(events), on_ack(std::move(fn)) {}

  // Settles `count` events; `failure` is null when they were delivered. `first` is the position
  // of the first of them within the emit. Deletes the group when the last event is settled, so
  // the caller must not touch it afterwards.
  void settle(std::size_t count, const struct Failure* failure, std::uint32_t first);

  std::atomic<std::size_t> pending;
  std::atomic<bool> failed{false};
  std::atomic<bool> plainly_failed{false};  // an event failed and was not dead-lettered
  std::mutex reason_mutex;                  // taken only on failure
  AckResult verdict;                        // the failure reported: the one at the lowest position
  bool verdict_collateral = false;          // the verdict so far is a collateral failure
  AckFn on_ack;
};

struct Failure {
  Failure() = default;
  Failure(std::string why, bool refused, bool only_collateral = false, std::string by = {})
      : reason(std::move(why)), rejected(refused), collateral(only_collateral), component(std::move(by)) {}

  std::string reason;          // "<component label>: <why>"
  bool rejected = false;       // refused for good: by a transform as bad input, or a sink's permanent refusal
  bool collateral = false;     // failed only because another event of its emit was rejected: it must
                               // not replace that event's reason in the verdict
  bool dead_lettered = false;  // not delivered, but the dead-letter sink confirmed it
  std::string component;       // the label of the component that failed it
};

struct EventAccess {
  static AckGroup*& ack(Event& e) { return e.ack_; }
  static std::uint32_t& index(Event& e) { return e.ack_index_; }
};

}  // namespace sluice::detail

namespace sluice::runtime {

using detail::Failure;

// Settles events [begin, end) of `events` with the same verdict and detaches them from their groups.
void settle_range(std::vector<Event>& events, std::size_t begin, std::size_t end, const Failure* failure);

}  // namespace sluice::runtime
