#pragma once
// At-least-once bookkeeping for the kafka source. Per partition it records the offset ranges
// handed to the pipeline and which of them are acknowledged, and tells the offset that may be
// committed: one past the end of the longest acknowledged prefix. Acks may arrive in any order;
// an offset is never committed before every earlier one is acknowledged.

#include <cstdint>
#include <map>
#include <optional>

namespace sluice::kafka {

class OffsetTracker {
 public:
  // A range [first, last] of one partition went to the pipeline. Returns its emission id, which
  // acked() needs: after a seek back the same offsets are emitted again under a new id.
  std::uint64_t emitted(std::int32_t partition, std::int64_t first, std::int64_t last);
  // The range [first, last] is acknowledged. Returns the new committable offset when it moved
  // forward. A `last` short of the range's end acknowledges its events up to `last` only: the
  // rest will be emitted again (after a seek back to last + 1), under a new id.
  std::optional<std::int64_t> acked(std::int32_t partition, std::int64_t first, std::uint64_t id, std::int64_t last);
  // Drops every range of the partition from `offset` on (seek back) or all of them (revoked).
  void forget_from(std::int32_t partition, std::int64_t offset);
  void forget(std::int32_t partition);
  std::size_t ranges(std::int32_t partition) const;

 private:
  struct Range {
    std::int64_t last;
    std::uint64_t id;
    bool acked;
  };
  std::map<std::int32_t, std::map<std::int64_t, Range>> partitions_;
  std::uint64_t next_id_ = 1;
};

}  // namespace sluice::kafka
