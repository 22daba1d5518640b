#include "runtime/event_queue.hpp"

namespace sluice::runtime {

bool EventQueue::pop(std::vector<Event>& out, std::size_t max_events, std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mutex_);
  // A claim in progress finishes first, also when closed or aborted: after pop returns false the
  // caller flushes the sinks, and no other thread may then still be writing to them.
  not_empty_.wait(lock, [&] { return !busy_ && (aborted_ || closed_ || queued_ > 0); });
  if (aborted_ || queued_ == 0) return false;
  if (max_wait.count() > 0 && queued_ < max_events && !closed_) {
    const auto until = std::chrono::steady_clock::now() + max_wait;
    not_empty_.wait_until(lock, until, [&] { return aborted_ || closed_ || queued_ >= max_events; });
    if (aborted_) return false;
  }
  busy_ = true;
  out.clear();
  // The first chunk moves as a whole vector: no per-event work when one push fills the batch.
  out = std::move(chunks_.front());
  chunks_.pop_front();
  while (!chunks_.empty() && out.size() + chunks_.front().size() <= max_events) {
    auto& next = chunks_.front();
    out.insert(out.end(), std::make_move_iterator(next.begin()), std::make_move_iterator(next.end()));
    chunks_.pop_front();
  }
  queued_ -= out.size();
  lock.unlock();
  not_full_.notify_all();
  return true;
}

bool EventQueue::try_claim() {
  std::lock_guard lock(mutex_);
  if (busy_ || queued_ > 0 || closed_ || aborted_) return false;
  busy_ = true;
  return true;
}

void EventQueue::release() {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    busy_ = false;
    wake = queued_ > 0 || closed_ || aborted_;
  }
  // Only then does the pipeline thread have something to do; waking it for nothing would cost
  // the very context switch that processing on the source's thread saves.
  if (wake) not_empty_.notify_one();
}

void EventQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
}

std::vector<Event> EventQueue::abort() {
  std::vector<Event> left;
  {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    for (auto& chunk : chunks_) {
      left.insert(left.end(), std::make_move_iterator(chunk.begin()), std::make_move_iterator(chunk.end()));
    }
    chunks_.clear();
    queued_ = 0;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  return left;
}

std::size_t EventQueue::size() const {
  std::lock_guard lock(mutex_);
  return queued_;
}

std::size_t EventQueue::high_water() const {
  std::lock_guard lock(mutex_);
  return high_water_;
}

}  // namespace sluice::runtime
