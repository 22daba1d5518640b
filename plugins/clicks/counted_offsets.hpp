#pragma once
// Which Kafka messages the aggregate counted already, so that counting is idempotent when the
// kafka source delivers a batch again (after a failed delivery, a restart or a rebalance).
//
// A partition's messages arrive in offset order, so one number per topic and partition is enough:
// the last offset counted. A message at or below it was counted before.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sluice/event.hpp"

namespace sluice::clicks {

// Where a message sits in Kafka, from the metadata the kafka source sets (kafka.topic,
// kafka.partition, kafka.offset). nullopt when any is absent or is not a plain decimal number in
// range: such an event has no position to check, and is not an error.
struct KafkaPosition {
  std::string_view topic;  // points into the event's metadata
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};
std::optional<KafkaPosition> kafka_position(const Metadata& meta);

class CountedOffsets {
 public:
  // Topic-partitions remembered at most. Partitions are few; the bound is there because the
  // metadata is not ours to trust.
  static constexpr std::size_t kMaxPartitions = 10'000;

  // True when the message at `p` was not counted yet; remembers it as counted. Past
  // kMaxPartitions a new partition is not remembered (true, and full() says so).
  bool first_count(const KafkaPosition& p);
  bool full() const { return last_.size() >= kMaxPartitions; }

 private:
  struct Less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      const int c = std::string_view(a.first).compare(std::string_view(b.first));
      return c != 0 ? c < 0 : a.second < b.second;
    }
  };
  std::map<std::pair<std::string, std::int32_t>, std::int64_t, Less> last_;
};

}  // namespace sluice::clicks
