#pragma once
// `kafka` source: a librdkafka consumer in a group. At least once: an offset is stored for commit
// only when every event up to it was delivered or dead-lettered, so a restarted engine resumes
// after the last handled event and nothing is committed past an event that is neither.
//
// A nacked event is read again by seeking its partition back to it (the events of its emit before
// it were delivered and are committed, not read again), after retry_backoff doubling up to
// retry_backoff_max, at most max_retries times. Then it is read once more and handed to the
// pipeline's dead-letter sink (Emitter::dead_letter); its offset counts as handled only once that
// sink confirmed it. An event refused for good (rejected: bad input) skips the retries and goes to
// the dead-letter path at once. Without a dead-letter sink, nack_policy decides: `retry` keeps
// reading it again (never committing past it), `skip` commits past it. Either is logged; a storm of
// such lines is held back by the SDK logger's limit on similar lines, as every component's is.
//
// Threading: one consumer thread polls, emits (waiting while the pipeline is full, which is the
// backpressure) and serves rebalances. Acks arrive on sink threads; they only store offsets and
// queue retries under `mutex_`.

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "kafka_metrics.hpp"
#include "offset_tracker.hpp"
#include "rdkafka_config.hpp"

namespace sluice::kafka {

OptionTable kafka_source_options();

class KafkaSource final : public Source {
 public:
  // The check step: one topic, and every librdkafka property accepted (kafka_properties.hpp).
  static void validate(const Options& options, ValidationContext& check);
  KafkaSource(const Options& options, Context& context);
  ~KafkaSource() override;

  void start(Emitter& out) override;
  void stop() override;

 private:
  struct Range {
    std::string topic;
    std::int32_t partition;
    std::int64_t first;
    std::int64_t last;
    std::uint64_t id;
  };
  struct Retry {
    std::string topic;
    std::int32_t partition;
    std::int64_t offset;
    std::chrono::steady_clock::time_point due;
  };
  // Where each event of an emit came from, by its position in the emit.
  struct Position {
    std::int32_t partition;
    std::int64_t offset;
  };
  using Offset = std::pair<std::int32_t, std::int64_t>;  // partition, offset
  // A message to hand to the dead-letter sink when it is read again.
  struct Mark {
    std::string component;
    std::string reason;
  };
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void run(Emitter& out);
  void on_ack(const AckResult& result, const std::vector<Range>& ranges, const std::vector<Position>& positions);
  // The message was read again because it is marked: to the dead-letter sink. false when the
  // pipeline has none (the event is then emitted as usual, or skipped per nack_policy).
  bool dead_letter(Emitter& out, Event& event, const std::string& topic, Offset at, const Mark& mark, bool& skipped);
  void on_dead_letter_ack(const AckResult& result, const Range& range, const Mark& mark);
  // Stores `ranges` as acknowledged and the offsets that may now be committed.
  void commit(const std::vector<Range>& ranges);
  Duration backoff(int attempt) const;
  void retry_due();

  Context& context_;
  ClusterLog cluster_;
  const std::vector<std::string> topics_;
  const std::size_t batch_size_;
  const bool skip_nacked_;
  const Duration retry_backoff_;
  const Duration retry_backoff_max_;
  const int max_retries_;
  HandlePtr consumer_;

  std::mutex mutex_;  // everything below up to the thread
  OffsetTracker tracker_;
  std::deque<Retry> retries_;
  std::map<Offset, int> attempts_;    // nacks so far of the event at this offset
  std::map<Offset, Mark> new_marks_;  // set by acks, taken by the consumer thread at its seek
  std::map<Offset, Mark> marks_;      // consumer thread only

  ConsumerLag lag_;  // consumer thread only
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sluice::kafka
