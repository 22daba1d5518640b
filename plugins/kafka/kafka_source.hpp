#pragma once
// `kafka` source: a librdkafka consumer in a group. At least once: an offset is stored for commit
// only when every event up to it was acknowledged by the pipeline's sinks, so a restarted engine
// resumes after the last acknowledged event. A nacked event is read again (after a back-off) by
// seeking its partition back, unless nack_policy is `skip`.
//
// Threading: one consumer thread polls, emits (waiting while the pipeline is full, which is the
// backpressure) and serves rebalances. Acks arrive on sink threads; they only store offsets and
// queue retries under `mutex_`.

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "offset_tracker.hpp"
#include "rdkafka_config.hpp"

namespace sluice::kafka {

OptionTable kafka_source_options();

class KafkaSource final : public Source {
 public:
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

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque);
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void run(Emitter& out);
  void on_ack(const AckResult& result, const std::vector<Range>& ranges);
  void retry_due();

  Context& context_;
  ClusterLog cluster_;
  const std::vector<std::string> topics_;
  const std::size_t batch_size_;
  const bool skip_nacked_;
  const Duration retry_backoff_;
  HandlePtr consumer_;

  std::mutex mutex_;  // tracker_ and retries_
  OffsetTracker tracker_;
  std::deque<Retry> retries_;

  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sluice::kafka
