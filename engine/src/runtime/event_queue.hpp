#pragma once
// The bounded queue between a source and its pipeline thread. Capacity counts events, not pushes.
// A push that does not fit waits (emit) or is refused (try_emit): memory stays bounded and nothing
// is dropped. Chunks keep the source's grouping, so a pop moves vectors, not single events.
//
// The queue also decides who processes: transforms and sinks are called by one thread at a time,
// either the pipeline thread (after pop) or a source's own thread that found the pipeline idle
// (try_claim). Both hold the pipeline "busy" until release(). A claim is granted only while
// nothing is queued, so events are processed in the order they were emitted, whoever runs them.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include "sluice/event.hpp"

namespace sluice::runtime {

class EventQueue {
 public:
  explicit EventQueue(std::size_t capacity) : capacity_(capacity) {}

  // `prepare(events)` runs under the queue lock just before the events are taken (to attach their
  // ack group), and only when they are. Returns false when there is no room (try) or the queue is
  // closed or aborted.
  template <class Prepare>
  bool try_push(std::vector<Event>& events, Prepare&& prepare) {
    std::lock_guard lock(mutex_);
    if (closed_ || aborted_ || !fits(events.size())) return false;
    commit(events, prepare);
    return true;
  }

  template <class Prepare>
  bool push(std::vector<Event>& events, Prepare&& prepare) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || aborted_ || fits(events.size()); });
    if (closed_ || aborted_) return false;
    commit(events, prepare);
    return true;
  }

  // Waits until events are queued and no other thread processes, then moves up to `max_events`
  // of them (whole chunks; a single chunk may be larger) into `out` and marks the pipeline busy:
  // call release() once they are processed. With max_wait > 0, waits that long for a fuller batch.
  // Returns false (and is not busy) when the queue is closed and empty, or aborted, and no claim
  // is held: after that no other thread is inside a transform or sink.
  bool pop(std::vector<Event>& out, std::size_t max_events, std::chrono::milliseconds max_wait);

  // For a source's thread: true, and the pipeline busy, when nothing is queued, nobody processes
  // and the queue is open. The caller then processes its events itself and calls release().
  bool try_claim();
  // Ends a pop's or a claim's processing; wakes the pipeline thread when events wait.
  void release();
  // Calls release() when it goes out of scope, also when processing throws.
  struct Releaser {
    EventQueue& queue;
    ~Releaser() { queue.release(); }
  };

  // No more pushes will come; pop() drains what is left, then returns false.
  void close();
  // Stop now: wake every waiter, refuse pushes, and hand back what was still queued.
  std::vector<Event> abort();

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  // The most events ever queued at once (tests and stats).
  std::size_t high_water() const;

 private:
  bool fits(std::size_t n) const { return queued_ == 0 || queued_ + n <= capacity_; }

  template <class Prepare>
  void commit(std::vector<Event>& events, Prepare& prepare) {
    prepare(events);
    queued_ += events.size();
    if (queued_ > high_water_) high_water_ = queued_;
    chunks_.push_back(std::move(events));
    events.clear();
    not_empty_.notify_one();
  }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<std::vector<Event>> chunks_;
  std::size_t queued_ = 0;
  std::size_t high_water_ = 0;
  bool closed_ = false;
  bool aborted_ = false;
  bool busy_ = false;  // a thread is processing popped or claimed events
};

}  // namespace sluice::runtime
