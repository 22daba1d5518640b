#include "sluice/asio.hpp"  // first: Asio only through it

#include "queue_waker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace sluice::kafka {

namespace {

// A drain serves everything queued at that moment; events keep arriving meanwhile under load. After
// this many rounds the I/O thread is handed back to other handlers and the drain goes on in a
// posted handler, so one busy producer cannot hold an I/O thread.
constexpr int max_rounds = 16;

int make_eventfd() {
  // Non-blocking, as librdkafka requires: it writes while holding the queue's lock.
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw Error(std::string("cannot create an eventfd for librdkafka's queue: ") + std::strerror(errno));
  return fd;
}

}  // namespace

struct QueueWaker::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io, rd_kafka_queue_t* q, std::function<void()> s, const Logger& l)
      : io(io), queue(q), serve(std::move(s)), log(l), descriptor(io, make_eventfd()), timer(io) {}

  // All below: under `gate`. `open` false once the QueueWaker is destroyed; then no handler
  // touches anything else here (the queue is gone, the descriptor closed).
  void wait() {
    descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [self = shared_from_this()](const boost::system::error_code& ec) { self->on_readable(ec); });
  }

  void on_readable(const boost::system::error_code& ec) {
    std::lock_guard lock(gate);
    if (!open || ec == boost::asio::error::operation_aborted) return;
    if (ec) {
      // Not expected from an eventfd; serving by timer keeps reports flowing, if late.
      log.error("waiting for librdkafka's queue failed (", ec.message(), "); serving it every 100ms instead");
      fallback = true;
      arm_timer(std::chrono::milliseconds(100));
      return;
    }
    drain();
  }

  // The race with librdkafka: it writes to the eventfd only when an event lands on an empty queue
  // (and at most once until the queue is polled again). So the eventfd is reset first, then the
  // queue is drained until a poll finds it empty, then the wait is armed again. An event queued
  // after that last poll found the queue empty, so it wrote to the eventfd, which was reset before
  // and stays readable: the new wait completes at once. Resetting it after the drain instead
  // would swallow such a write and leave the event waiting for the next one, which may never come.
  void drain() {
    std::uint64_t count;
    (void)!::read(descriptor.native_handle(), &count, sizeof count);  // EAGAIN: nothing to reset
    bool empty = false;
    for (int round = 0; round < max_rounds && !empty; ++round) {
      empty = rd_kafka_queue_poll_callback(queue, 0) == 0;
    }
    serve();
    if (empty) {
      wait();
      return;
    }
    // Not empty yet: the eventfd will not be written again until the queue is polled, so the drain
    // must go on by itself.
    boost::asio::post(io, [self = shared_from_this()] {
      std::lock_guard lock(self->gate);
      if (self->open) self->drain();
    });
  }

  // Under `timer_mutex`.
  void arm_timer_locked(std::chrono::milliseconds delay) {
    if (timer_armed) return;
    timer_armed = true;
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) { self->on_timer(ec); });
  }
  void arm_timer(std::chrono::milliseconds delay) {
    std::lock_guard lock(timer_mutex);
    arm_timer_locked(delay);
  }

  void on_timer(const boost::system::error_code& ec) {
    std::lock_guard lock(gate);
    if (!open || ec == boost::asio::error::operation_aborted) return;
    {
      std::lock_guard t(timer_mutex);
      timer_armed = false;
    }
    if (fallback) {
      while (rd_kafka_queue_poll_callback(queue, 0) > 0) {
      }
      arm_timer(std::chrono::milliseconds(100));
    }
    serve();
  }

  boost::asio::io_context& io;
  rd_kafka_queue_t* queue;
  std::function<void()> serve;
  Logger log;

  std::mutex gate;
  bool open = true;
  bool fallback = false;  // the descriptor failed: the timer polls
  boost::asio::posix::stream_descriptor descriptor;

  std::mutex timer_mutex;  // taken inside `gate`, never around it
  bool timer_armed = false;
  boost::asio::steady_timer timer;
};

QueueWaker::QueueWaker(boost::asio::io_context& io, rd_kafka_queue_t* queue, std::function<void()> serve,
                       const Logger& log)
    : state_(std::make_shared<State>(io, queue, std::move(serve), log)) {
  // An eventfd takes 8-byte writes of a count: this is librdkafka's payload.
  static constexpr std::uint64_t one = 1;
  rd_kafka_queue_io_event_enable(queue, state_->descriptor.native_handle(), &one, sizeof one);
}

QueueWaker::~QueueWaker() {
  // Waits for a running handler; after this no handler does anything.
  std::lock_guard lock(state_->gate);
  state_->open = false;
  // librdkafka writes under the queue's lock, which this takes: no write follows, and the fd may close.
  rd_kafka_queue_io_event_enable(state_->queue, -1, nullptr, 0);
  rd_kafka_queue_destroy(state_->queue);
  state_->queue = nullptr;
  boost::system::error_code ignored;
  state_->descriptor.close(ignored);  // pending waits complete as cancelled, or are dropped with the io_context
  std::lock_guard t(state_->timer_mutex);
  state_->timer.cancel();
}

void QueueWaker::start() {
  // Whatever was queued before (or before io_event_enable) wrote nothing: drain once, which arms
  // the wait. On an I/O thread, like every drain.
  boost::asio::post(state_->io, [self = state_] {
    std::lock_guard lock(self->gate);
    if (self->open) self->drain();
  });
}

void QueueWaker::wake_after(std::chrono::milliseconds delay) {
  state_->arm_timer(delay);
}

}  // namespace sluice::kafka
