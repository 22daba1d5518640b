#pragma once
// `kafka` sink: a librdkafka producer. An event is confirmed to its source only by librdkafka's
// delivery report (delivered -> ack, failed -> nack with the broker's reason; a message the broker
// will never take, too large or invalid, is refused for good: Delivery::reject_event). A full producer
// queue is backpressure: the batch waits in the sink, which holds its Delivery, so the pipeline's
// in-flight limit stops the source. Payloads are handed to librdkafka without a copy; the batch
// stays alive until its last report.
//
// Threading: write() runs on whichever thread processes the pipeline (its pipeline thread, or a
// source's thread that emitted into the idle pipeline), flush() on the pipeline thread; both may
// run while an I/O thread serves reports (pump_mutex_ orders them). The sink has no thread of its own:
// delivery reports are served on the engine's I/O threads (QueueWaker), woken by librdkafka's
// broker thread when it queues them, and the source's answer starts from there. After each round of
// reports, the same I/O thread retries the batches that met a full queue (the reports made room).
// A timer on the I/O threads, set only while there is something to do, asks the broker for the topic
// until it is ready and retries waiting batches every 250ms. flush() and the destructor also poll
// from the pipeline thread: the delivery callback touches only thread-safe state (InFlight's atomic
// count and its failures' lock, ClusterLog's lock), and pump() holds pump_mutex_.

#include <atomic>
#include <deque>
#include <mutex>

#include "kafka_metrics.hpp"
#include "queue_waker.hpp"
#include "rdkafka_config.hpp"
#include "topic_creator.hpp"

namespace sluice::kafka {

OptionTable kafka_sink_options();

class KafkaSink final : public Sink {
 public:
  // The check step: every librdkafka property accepted, and acks: all when idempotent.
  static void validate(const Options& options, ValidationContext& check);
  KafkaSink(const Options& options, Context& context);
  ~KafkaSink() override;

  void start() override;
  void write(std::shared_ptr<const Batch> batch, Delivery done) override;
  void flush(Deadline deadline) override;
  bool ready(std::string& why) const override;

 private:
  struct InFlight;
  struct MessageTag {
    InFlight* batch;
    std::size_t index;
  };

  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  // After each round of reports, and when the timer expires: on an I/O thread, one at a time.
  void serve();
  void create_topic_if_due();
  // Produces pending batches in order, until done or the producer queue is full.
  void pump();
  rd_kafka_resp_err_t produce(InFlight& batch, std::size_t index);
  void fail_pending(const std::string& reason);
  void purge_and_report();

  Context& context_;
  ClusterLog cluster_;
  const TopicSpec topic_;
  const bool create_topic_;
  const Duration stall_timeout_;
  const std::string key_field_;
  const std::string header_prefix_;
  std::vector<std::string> metadata_headers_;  // prefixes of metadata sent as headers under their full name
  HandlePtr producer_;
  const Gauge queue_messages_;  // rd_kafka_outq_len, after each round of reports (serve())
  const Counter delivery_errors_;

  std::mutex pump_mutex_;
  std::deque<InFlight*> pending_;  // not yet fully handed to librdkafka, oldest first
  std::string topic_refused_;      // why the broker will not create the topic, when it will not

  std::atomic<bool> topic_ready_{false};
  // For ready()'s stall check, steady_clock ticks: the last delivery report of a delivered message
  // (any I/O thread), and when the producer last went from idle to busy (pump()).
  std::atomic<std::chrono::steady_clock::rep> last_delivery_{0};
  std::atomic<std::chrono::steady_clock::rep> busy_since_{0};
  // Used by serve() only (one at a time).
  std::unique_ptr<TopicRequest> topic_request_;
  std::chrono::steady_clock::time_point next_topic_attempt_{};
  std::unique_ptr<QueueWaker> waker_;  // destroyed first: no handler runs after it
};

}  // namespace sluice::kafka
