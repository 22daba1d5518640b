#pragma once
// The kafka plugin's own metrics (Context::metrics), named once for both components and their
// ComponentSpec::metrics:
//   source: sluice_kafka_consumer_lag_messages{topic,partition}: the partition's high watermark
//           minus the consumer's position (the next offset it reads), both as librdkafka last saw
//           them (no broker request), refreshed at most once a second by the consumer thread; 0
//           once the partition is revoked.
//   sink:   sluice_kafka_producer_queue_messages: messages librdkafka holds (queued, in flight, or
//           awaiting their delivery report; rd_kafka_outq_len), after each round of reports;
//           sluice_kafka_delivery_errors_total: messages that failed (a delivery report with an
//           error, or refused by produce()); each is nacked or rejected to the pipeline.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "sluice/metrics.hpp"

namespace sluice::kafka {

std::vector<MetricSpec> kafka_source_metrics();
std::vector<MetricSpec> kafka_sink_metrics();

inline constexpr const char* kProducerQueue = "sluice_kafka_producer_queue_messages";
inline constexpr const char* kProducerQueueHelp =
    "Messages the producer holds: queued, in flight or awaiting their delivery report";
inline constexpr const char* kDeliveryErrors = "sluice_kafka_delivery_errors_total";
inline constexpr const char* kDeliveryErrorsHelp = "Messages Kafka did not take (each was nacked or rejected)";

// The consumer's lag gauges, one per partition it was ever assigned (a gauge is made the first
// time a partition is seen, on the consumer thread; partitions are few and bounded by the topics).
class ConsumerLag {
 public:
  explicit ConsumerLag(std::shared_ptr<Metrics> metrics) : metrics_(std::move(metrics)) {}
  // From the consumer thread between polls: a clock read unless a second has passed.
  void refresh(rd_kafka_t* consumer);

 private:
  std::shared_ptr<Metrics> metrics_;
  std::map<std::pair<std::string, std::int32_t>, Gauge> gauges_;
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace sluice::kafka
