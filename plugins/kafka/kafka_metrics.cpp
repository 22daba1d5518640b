#include "kafka_metrics.hpp"

#include <set>

namespace sluice::kafka {

namespace {
constexpr const char* kLag = "sluice_kafka_consumer_lag_messages";
constexpr const char* kLagHelp =
    "Messages in the partition after the consumer's position (high watermark minus position), per assigned partition";
}  // namespace

std::vector<MetricSpec> kafka_source_metrics() { return {{kLag, MetricType::gauge, kLagHelp, {"topic", "partition"}}}; }

std::vector<MetricSpec> kafka_sink_metrics() {
  return {{kProducerQueue, MetricType::gauge, kProducerQueueHelp, {}},
          {kDeliveryErrors, MetricType::counter, kDeliveryErrorsHelp, {}}};
}

void ConsumerLag::refresh(rd_kafka_t* consumer) {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return;
  next_ = now + std::chrono::seconds(1);
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(consumer, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR || assigned == nullptr) return;
  (void)rd_kafka_position(consumer, assigned);  // local: the next offset each partition reads
  std::set<std::pair<std::string, std::int32_t>> seen;
  for (int i = 0; i < assigned->cnt; ++i) {
    const auto& tp = assigned->elems[i];
    std::pair<std::string, std::int32_t> key{tp.topic, tp.partition};
    seen.insert(key);
    auto it = gauges_.find(key);
    if (it == gauges_.end()) {
      it = gauges_
               .emplace(key, metrics_->gauge(kLag, kLagHelp,
                                             {{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}}))
               .first;
    }
    std::int64_t low = -1, high = -1;
    // Cached from the last fetch response: no request to the broker.
    if (rd_kafka_get_watermark_offsets(consumer, tp.topic, tp.partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      continue;
    }
    // Before the first fetch the position is unknown (RD_KAFKA_OFFSET_INVALID): everything after
    // the low watermark is still to be read, at most.
    const std::int64_t position = tp.offset >= 0 ? tp.offset : low;
    if (position >= 0) it->second.set(high > position ? high - position : 0);
  }
  rd_kafka_topic_partition_list_destroy(assigned);
  for (auto& [key, gauge] : gauges_) {
    if (!seen.count(key)) gauge.set(0);  // revoked: another consumer's lag now
  }
}

}  // namespace sluice::kafka
