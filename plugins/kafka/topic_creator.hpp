#pragma once
// Creates the sink's topic through the admin API when it does not exist, so a fresh broker needs
// no manual step. Runs on the sink's poll thread and is retried until the broker answers.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>

namespace sluice::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication = 1;
};

enum class TopicState {
  ready,      // created now, or it existed already
  retry,      // the cluster did not answer in time: try again later
  refused,    // the broker refused it for good (bad replication factor, not authorised, ...)
};

struct TopicResult {
  TopicState state;
  std::string detail;  // the reason, for retry and refused
};

TopicResult ensure_topic(rd_kafka_t* rk, const TopicSpec& spec, std::chrono::milliseconds timeout);

}  // namespace sluice::kafka
