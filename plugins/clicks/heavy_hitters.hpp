#pragma once
// Counts per key in bounded memory: at most `capacity` keys are counted one by one, whatever
// stream of keys the clients send.
//
// Which keys get the counters: Space-Saving (Metwally, Agrawal and El Abbadi, "Efficient
// computation of frequent and top-k elements in data streams", 2005). A key not tracked while the
// table is full takes the counter of the key with the smallest count, inheriting that count as
// its possible error. We chose it over the alternatives because of what a hostile client can do:
//   - "the first N keys win" lets a client that sends N junk keys first keep every real page off
//     the dashboard for good;
//   - evicting the smallest counters now and then into "other" works, but what survives depends
//     on when the eviction ran, and between runs the table still fills with junk.
// Space-Saving guarantees that every key seen more than total/capacity times holds a counter
// (so with the default 1,000, any page with more than 0.1% of the clicks), and a stream of
// one-off junk keys only ever churns the smallest counters. Each key's `count - error` is a lower
// bound of its true count, exact for a key that never lost its counter; that is what we show.
//
// Cost: one hash lookup and a sift in a min-heap per key, O(log capacity), no allocation for a
// key already tracked. Not thread-safe: the owner locks.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sluice::clicks {

class HeavyHitters {
 public:
  explicit HeavyHitters(std::size_t capacity);

  // One more occurrence of `key`.
  void add(const std::string& key);

  struct Count {
    std::string key;
    std::uint64_t count;  // a lower bound of the true count: occurrences since the key got its counter
  };
  // Every tracked key with its guaranteed count, largest first (ties by key).
  std::vector<Count> ranked() const;

  std::size_t size() const { return heap_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Index = std::unordered_map<std::string, std::size_t>;  // key -> its slot in heap_
  struct Slot {
    std::uint64_t count;
    std::uint64_t error;       // the count it inherited when it took the counter
    Index::value_type* entry;  // stable: unordered_map never moves its elements
  };

  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  void swap_slots(std::size_t a, std::size_t b);

  const std::size_t capacity_;
  Index index_;
  std::vector<Slot> heap_;  // min-heap by count: heap_[0] is the counter to take
};

}  // namespace sluice::clicks
