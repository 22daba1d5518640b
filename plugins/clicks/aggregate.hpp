#pragma once
// `aggregate` transform: running totals per key and events per second over a sliding window.
// Events pass through unchanged; every `interval` it adds a compact stats event (metadata
// sluice.kind = stats) that the websocket sink keeps as the dashboard's state.
//
// Whatever the clients send, its memory and the stats event are bounded: at most `max_keys` keys
// are counted one by one (see heavy_hitters.hpp for which), keys are cut to `max_key_bytes`, the
// per-second series holds only the chart's last minute, and the stats event's JSON text is at
// most kStatsMaxBytes (64 KiB): the keys that do not fit are added to its `other` total.
//
// Totals survive a restart: with `rebuild_topic`, the topic is the source of truth. At start()
// (not in the constructor, which only reads options) the transform notes where each
// partition ends, reads the history up to there in the background, and
// counts live events only from those offsets on. Older events that the kafka source hands it again
// (after a restart) were counted already; they are dropped here rather than shown twice. A live
// event delivered again (a batch the source retries) passes through but is not counted twice.
// It reads the topic through the Kafka connection option group (`rebuild_brokers`,
// `rebuild_properties`: plugins/common/kafka_support), as the kafka source reads it, so a cluster
// that needs TLS or SASL properties works for both.

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "counted_offsets.hpp"
#include "heavy_hitters.hpp"
#include "kafka_support/kafka_connection.hpp"
#include "sluice/asio.hpp"
#include "sluice/sdk.hpp"
#include "topic_history.hpp"

namespace sluice::clicks {

OptionTable aggregate_options();

// The stats event's size limit, in bytes of its JSON text. It is sent to every dashboard every
// `interval` (and kept as the websocket sink's state), so it must not grow with what clients send:
// 1,000 keys of typical page paths take about 30 KiB; longer or stranger keys go into `other`.
inline constexpr std::size_t kStatsMaxBytes = 64 * 1024;

class Aggregate final : public Transform {
 public:
  Aggregate(const Options& options, Context& context);
  ~Aggregate() override;
  // The rebuild's connection settings are what librdkafka accepts (nothing connects).
  static void validate(const Options& options, ValidationContext& check);
  // Reads where rebuild_topic ends (metadata up to 3 s, then up to 3 s per partition), starts the
  // rebuild's thread and the stats timer.
  void start() override;
  // Stops and joins the rebuild's thread and drops the timer (the io_context has stopped).
  void stop() override;
  void process(Batch& batch) override;

 private:
  void count(const Event& event, std::int64_t received_ms);
  void rebuild();  // the rebuild thread's body
  void schedule();
  void publish();
  std::string stats_json();

  Context& context_;
  const std::string key_field_;
  const std::string time_field_;
  const std::size_t max_key_bytes_;
  const Duration window_;
  const Duration interval_;
  std::string rebuild_topic_;
  const kafka_support::KafkaConnection rebuild_from_;

  std::mutex mutex_;
  std::uint64_t total_ = 0;
  HeavyHitters per_key_;
  std::map<std::int64_t, std::uint64_t> per_second_;  // by second, only the chart's last minute
  bool rebuilding_ = false;

  TopicHistory history_;            // where live events start, per partition of rebuild_topic_
  CountedOffsets counted_;          // the pipeline thread's only
  bool warned_partitions_ = false;  // said once that counted_ is full
  std::atomic<bool> stopping_{false};
  std::thread rebuilder_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace sluice::clicks
