#include "offset_tracker.hpp"

#include <algorithm>

namespace sluice::kafka {

std::uint64_t OffsetTracker::emitted(std::int32_t partition, std::int64_t first, std::int64_t last) {
  const std::uint64_t id = next_id_++;
  partitions_[partition][first] = Range{last, id, false};
  return id;
}

std::optional<std::int64_t> OffsetTracker::acked(std::int32_t partition, std::int64_t first, std::uint64_t id,
                                                 std::int64_t last) {
  auto p = partitions_.find(partition);
  if (p == partitions_.end()) return std::nullopt;  // revoked meanwhile: the new owner re-reads it
  auto& ranges = p->second;
  auto r = ranges.find(first);
  if (r == ranges.end() || r->second.id != id) return std::nullopt;  // forgotten by a seek back
  if (last < first) return std::nullopt;
  r->second.last = std::min(r->second.last, last);
  r->second.acked = true;
  std::optional<std::int64_t> commit;
  while (!ranges.empty() && ranges.begin()->second.acked) {
    commit = ranges.begin()->second.last + 1;
    ranges.erase(ranges.begin());
  }
  return commit;
}

void OffsetTracker::forget_from(std::int32_t partition, std::int64_t offset) {
  auto p = partitions_.find(partition);
  if (p == partitions_.end()) return;
  p->second.erase(p->second.lower_bound(offset), p->second.end());
}

void OffsetTracker::forget(std::int32_t partition) { partitions_.erase(partition); }

std::size_t OffsetTracker::ranges(std::int32_t partition) const {
  auto p = partitions_.find(partition);
  return p == partitions_.end() ? 0 : p->second.size();
}

}  // namespace sluice::kafka
