#include "heavy_hitters.hpp"

#include <algorithm>

namespace sluice::clicks {

HeavyHitters::HeavyHitters(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {
  index_.reserve(capacity_);
  heap_.reserve(capacity_);
}

void HeavyHitters::add(const std::string& key) {
  if (auto it = index_.find(key); it != index_.end()) {
    ++heap_[it->second].count;
    sift_down(it->second);
    return;
  }
  if (heap_.size() < capacity_) {
    auto [it, inserted] = index_.emplace(key, heap_.size());
    heap_.push_back({1, 0, &*it});
    sift_up(heap_.size() - 1);
    return;
  }
  // Full: the key takes the smallest counter, and that counter's count becomes its error.
  // The map node is reused for the new key: no allocation beyond the key's own bytes.
  Slot& least = heap_[0];
  auto node = index_.extract(least.entry->first);
  node.key() = key;
  node.mapped() = 0;
  const auto placed = index_.insert(std::move(node));
  least = {least.count + 1, least.count, &*placed.position};
  sift_down(0);
}

std::vector<HeavyHitters::Count> HeavyHitters::ranked() const {
  std::vector<Count> out;
  out.reserve(heap_.size());
  for (const Slot& s : heap_) out.push_back({s.entry->first, s.count - s.error});
  std::sort(out.begin(), out.end(),
            [](const Count& a, const Count& b) { return a.count != b.count ? a.count > b.count : a.key < b.key; });
  return out;
}

void HeavyHitters::swap_slots(std::size_t a, std::size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_[a].entry->second = a;
  heap_[b].entry->second = b;
}

void HeavyHitters::sift_up(std::size_t i) {
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (heap_[parent].count <= heap_[i].count) return;
    swap_slots(i, parent);
    i = parent;
  }
}

void HeavyHitters::sift_down(std::size_t i) {
  for (;;) {
    std::size_t least = i;
    for (std::size_t child : {2 * i + 1, 2 * i + 2}) {
      if (child < heap_.size() && heap_[child].count < heap_[least].count) least = child;
    }
    if (least == i) return;
    swap_slots(i, least);
    i = least;
  }
}

}  // namespace sluice::clicks
