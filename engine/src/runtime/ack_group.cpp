#include "runtime/ack_group.hpp"

namespace sluice::detail {

void AckGroup::settle(std::size_t count, const Failure* failure, std::uint32_t first) {
  if (failure != nullptr) {
    std::lock_guard lock(reason_mutex);
    // Several events of one emit may fail; the caller is told about the first in its order.
    const bool first_failure = !failed.exchange(true, std::memory_order_acq_rel);
    // A collateral failure never hides the event at fault, whichever settles first (a dead letter
    // settles after its request's other events).
    if (first_failure || (!failure->collateral && (verdict_collateral || first < verdict.event))) {
      verdict_collateral = failure->collateral;
      verdict.ok = false;
      verdict.reason = failure->reason;
      verdict.rejected = failure->rejected;
      verdict.event = first;
      verdict.component = failure->component;
    }
    // Events refused only because another event of their request was rejected are answered with
    // that request; they do not stop the emit from counting as handled.
    if (!failure->dead_lettered && !failure->collateral) plainly_failed.store(true, std::memory_order_release);
  }
  if (pending.fetch_sub(count, std::memory_order_acq_rel) != count) return;
  AckResult result;
  if (failed.load(std::memory_order_acquire)) {
    std::lock_guard lock(reason_mutex);
    result = verdict;
    result.dead_lettered = !plainly_failed.load(std::memory_order_acquire);
  }
  // The callback belongs to the source; an exception from it must not unwind into a sink's thread.
  try {
    if (on_ack) on_ack(result);
  } catch (...) {
  }
  delete this;
}

}  // namespace sluice::detail

namespace sluice::runtime {

void settle_range(std::vector<Event>& events, std::size_t begin, std::size_t end, const Failure* failure) {
  std::size_t i = begin;
  while (i < end) {
    detail::AckGroup* group = detail::EventAccess::ack(events[i]);
    const std::uint32_t first = detail::EventAccess::index(events[i]);
    std::size_t run = 0;
    while (i < end && detail::EventAccess::ack(events[i]) == group) {
      detail::EventAccess::ack(events[i]) = nullptr;
      ++run;
      ++i;
    }
    if (group != nullptr) group->settle(run, failure, first);
  }
}

}  // namespace sluice::runtime
