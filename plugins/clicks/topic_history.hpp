#pragma once
// Reads a Kafka topic from its beginning up to where it ended when we started: the history the
// aggregate transform rebuilds its totals from. A plain consumer with manual assignment, so it
// joins no group and commits nothing. It connects as `connection` says: the aggregate's
// rebuild_brokers and rebuild_properties, the same option group as the kafka source's.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kafka_support/kafka_connection.hpp"

namespace sluice::clicks {

struct TopicHistory {
  // Where each partition ended when the history was taken: events at or past it are live.
  std::map<std::int32_t, std::int64_t> end;
  std::string error;  // empty on success
};

// Asks the broker for the topic's partitions and their end offsets. Quick; used before any live
// event is counted.
TopicHistory topic_end(const kafka_support::KafkaConnection& connection, const std::string& topic,
                       std::chrono::milliseconds timeout);

// Reads every message before `history.end` and hands its payload to `each`. Returns an error text
// or "".
std::string read_history(const kafka_support::KafkaConnection& connection, const std::string& topic,
                         const TopicHistory& history, const std::function<void(std::string_view payload)>& each,
                         const std::function<bool()>& cancelled);

}  // namespace sluice::clicks
