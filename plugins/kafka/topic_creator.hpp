#pragma once
// Creates the sink's topic through the admin API when it does not exist, so a fresh broker needs
// no manual step. The sink asks without blocking (TopicRequest, from an engine I/O thread) and asks
// again until the broker answers.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace sluice::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication = 1;
  // The topic's min.insync.replicas (a topic config set at creation); unset: the broker's default.
  // With acks=all a write succeeds only while this many replicas are in sync.
  std::optional<int> min_insync_replicas;
};

enum class TopicState {
  ready,    // created now, or it existed already
  retry,    // the cluster did not answer in time: try again later
  refused,  // the broker refused it for good (bad replication factor, not authorised, ...)
};

struct TopicResult {
  TopicState state;
  std::string detail;  // the reason, for retry and refused
};

// Blocks until the broker answers or `timeout` (plus a second) passed.
TopicResult ensure_topic(rd_kafka_t* rk, const TopicSpec& spec, std::chrono::milliseconds timeout);

// The same without blocking: poll() sends a CreateTopics request when none is out and returns its
// answer once it came (retry when none came within `timeout` plus a second). Not thread-safe.
// Destroy it before the client.
class TopicRequest {
 public:
  TopicRequest(rd_kafka_t* rk, TopicSpec spec, std::chrono::milliseconds timeout);
  ~TopicRequest();
  TopicRequest(const TopicRequest&) = delete;
  TopicRequest& operator=(const TopicRequest&) = delete;

  std::optional<TopicResult> poll();
  bool waiting() const { return sent_; }

 private:
  rd_kafka_t* rk_;
  const TopicSpec spec_;
  const std::chrono::milliseconds timeout_;
  rd_kafka_queue_t* answers_;  // a request whose answer came too late answers the next one: the same question
  bool sent_ = false;
  std::chrono::steady_clock::time_point give_up_{};
};

}  // namespace sluice::kafka
