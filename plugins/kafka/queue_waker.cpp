#include "sluice/asio.hpp"  // first: Asio only through it

#include "queue_waker.hpp"

#include <atomic>
#include <mutex>

namespace sluice::kafka {

namespace {

// A drain serves everything queued at that moment; events keep arriving meanwhile under load. After
// this many rounds the I/O thread is handed back to other handlers and the drain goes on in a
// posted handler, so one busy producer cannot hold an I/O thread.
constexpr int max_rounds = 16;

}  // namespace

struct QueueWaker::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io, rd_kafka_queue_t* q, std::function<void()> s)
      : io(io), queue(q), serve(std::move(s)), timer(io) {}

  // librdkafka's thread, holding the queue's lock, when an event lands on an empty queue. Only a
  // post: no librdkafka call, nothing that blocks. A drain already posted and not yet begun
  // serves this event too, so one post is enough.
  static void on_event(rd_kafka_t*, void* opaque) {
    auto* state = static_cast<State*>(opaque);
    if (state->posted.exchange(true, std::memory_order_acq_rel)) return;
    boost::asio::post(state->io, [self = state->shared_from_this()] {
      std::lock_guard lock(self->gate);
      if (self->open) self->drain();
    });
  }

  // Under `gate`. The race with librdkafka: it calls on_event only when an event lands on an empty
  // queue. So `posted` is cleared first, then the queue is drained until a poll finds it empty. An
  // event queued after that last poll found the queue empty, so it called on_event, which saw
  // `posted` cleared and posted a new drain. Clearing `posted` after the drain instead would let
  // such an event's call see it still set and post nothing: the event would wait for the next one,
  // which may never come.
  void drain() {
    posted.store(false, std::memory_order_release);
    bool empty = false;
    for (int round = 0; round < max_rounds && !empty; ++round) {
      empty = rd_kafka_queue_poll_callback(queue, 0) == 0;
    }
    serve();
    if (empty) return;
    // Not empty yet: librdkafka calls on_event again only once the queue was empty, so the drain
    // must go on by itself.
    posted.store(true, std::memory_order_release);
    boost::asio::post(io, [self = shared_from_this()] {
      std::lock_guard lock(self->gate);
      if (self->open) self->drain();
    });
  }

  void arm_timer(std::chrono::milliseconds delay) {
    std::lock_guard lock(timer_mutex);
    if (timer_armed) return;
    timer_armed = true;
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) { self->on_timer(ec); });
  }

  void on_timer(const boost::system::error_code& ec) {
    std::lock_guard lock(gate);
    if (!open || ec == boost::asio::error::operation_aborted) return;
    {
      std::lock_guard t(timer_mutex);
      timer_armed = false;
    }
    serve();
  }

  boost::asio::io_context& io;
  rd_kafka_queue_t* queue;
  std::function<void()> serve;
  std::atomic<bool> posted{false};  // a drain is posted and has not begun

  std::mutex gate;
  bool open = true;  // false once the QueueWaker is destroyed: then no handler touches anything else

  std::mutex timer_mutex;  // taken inside `gate`, never around it
  bool timer_armed = false;
  boost::asio::steady_timer timer;
};

QueueWaker::QueueWaker(boost::asio::io_context& io, rd_kafka_queue_t* queue, std::function<void()> serve, const Logger&)
    : state_(std::make_shared<State>(io, queue, std::move(serve))) {
  rd_kafka_queue_cb_event_enable(queue, &State::on_event, state_.get());
}

QueueWaker::~QueueWaker() {
  // librdkafka calls on_event under the queue's lock, which this takes: once it returns, no call
  // runs or follows, and nothing touches the State from librdkafka's side.
  rd_kafka_queue_cb_event_enable(state_->queue, nullptr, nullptr);
  // Waits for a running handler; after this no handler does anything.
  std::lock_guard lock(state_->gate);
  state_->open = false;
  rd_kafka_queue_destroy(state_->queue);
  state_->queue = nullptr;
  std::lock_guard t(state_->timer_mutex);
  state_->timer.cancel();
}

void QueueWaker::start() {
  // Whatever was queued before the callback was set called nothing: drain once, on an I/O thread
  // like every drain.
  State::on_event(nullptr, state_.get());
}

void QueueWaker::wake_after(std::chrono::milliseconds delay) { state_->arm_timer(delay); }

}  // namespace sluice::kafka
