#pragma once
// Serves a librdkafka queue's callbacks (a producer's delivery reports and errors) on the engine's
// shared io_context instead of on a thread of the component's own that polls it.
//
// librdkafka calls a function of ours when the queue goes from empty to non-empty
// (rd_kafka_queue_cb_event_enable); it posts a drain to the io_context, and an I/O thread drains
// the queue, which runs the callbacks right there. A delivery report thus goes from librdkafka's
// broker thread to an engine I/O thread, one hand-off, and an idle queue costs no wake-ups at all.
// A timer serves duties that have no queue event (retries): it runs only when asked for.
//
// Why not rd_kafka_queue_io_event_enable on an eventfd watched by an Asio descriptor: with the
// engine's two I/O threads, the thread that epoll wakes for the eventfd first wakes the other to
// take over epoll (Asio's scheduler does so whenever handlers are queued), one more context switch
// per wake-up. Measured at 1000 events/s, one event per batch (generator -> kafka): 2.9-3.0
// voluntary switches per event with the eventfd against 2.67-2.68 with the callback and with the
// old poll thread. A post from outside wakes one idle I/O thread and nothing else.
//
// Threading: the callbacks, and `serve`, run on an engine I/O thread, never two at once (one lock,
// the gate, is held around each). They may also run on other threads that poll the same queue
// (a sink's flush): what they touch must be thread-safe. After the destructor returns, none runs
// any more and librdkafka no longer calls back.

#include <chrono>
#include <functional>
#include <memory>

#include "rdkafka_config.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::kafka {

class QueueWaker {
 public:
  // Takes over `queue` (a reference from rd_kafka_queue_get_main or the like), which it destroys:
  // destroy the QueueWaker before the client. `serve` runs after each drain of the queue and
  // when the timer set by wake_after() expires.
  QueueWaker(boost::asio::io_context& io, rd_kafka_queue_t* queue, std::function<void()> serve, const Logger& log);
  ~QueueWaker();
  QueueWaker(const QueueWaker&) = delete;
  QueueWaker& operator=(const QueueWaker&) = delete;

  // Begins waiting for the queue; events queued before are served at once.
  void start();
  // Runs `serve` once on an I/O thread after `delay`, unless a timer is already set (then that
  // one serves). Thread-safe.
  void wake_after(std::chrono::milliseconds delay);

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the pending handlers, which may outlive this
};

}  // namespace sluice::kafka
