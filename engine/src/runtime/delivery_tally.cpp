#include "runtime/delivery_tally.hpp"

namespace sluice::runtime {

void DeliveryTally::count_answer_of(AckFn& on_ack) {
  if (!on_ack) return;
  on_ack = [counts = counts_, inner = std::move(on_ack)](const AckResult& result) {
    if (result.ok || result.dead_lettered) {
      counts->handled.fetch_add(1, std::memory_order_relaxed);
    } else if (!result.rejected) {
      std::lock_guard lock(counts->mutex);
      if (counts->first_failure.empty()) counts->first_failure = result.reason;
      counts->failed.fetch_add(1, std::memory_order_relaxed);
    }
    inner(result);
  };
}

DeliveryTally::Summary DeliveryTally::summary() const {
  Summary s;
  std::lock_guard lock(counts_->mutex);
  s.handled = counts_->handled.load(std::memory_order_relaxed);
  s.failed = counts_->failed.load(std::memory_order_relaxed);
  s.first_failure = counts_->first_failure;
  return s;
}

}  // namespace sluice::runtime
