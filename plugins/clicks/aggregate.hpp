#pragma once
// `aggregate` transform: running totals per key and events per second over a sliding window.
// Events pass through unchanged; every `interval` it adds a compact stats event (metadata
// sluice.kind = stats) that the websocket sink keeps as the dashboard's state.
//
// Totals survive a restart: with `rebuild_topic`, the topic is the source of truth. At start the
// transform notes where each partition ends, reads the history up to there in the background, and
// counts live events only from those offsets on. Older events that the kafka source hands it again
// (after a restart) were counted already; they are dropped here rather than shown twice.

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "sluice/asio.hpp"
#include "sluice/sdk.hpp"
#include "topic_history.hpp"

namespace sluice::clicks {

OptionTable aggregate_options();

class Aggregate final : public Transform {
 public:
  Aggregate(const Options& options, Context& context);
  ~Aggregate() override;
  void process(Batch& batch) override;

 private:
  void count(std::string_view key, std::int64_t at_ms);
  void schedule();
  void publish();
  std::string stats_json();

  Context& context_;
  const std::string key_field_;
  const std::string time_field_;
  const Duration window_;
  const Duration interval_;

  std::mutex mutex_;
  std::uint64_t total_ = 0;
  std::map<std::string, std::uint64_t> per_key_;
  std::map<std::int64_t, std::uint64_t> per_second_;  // by receive second, last `window` and the chart's 60 s
  bool rebuilding_ = false;

  TopicHistory history_;  // where live events start, per partition
  std::atomic<bool> stopping_{false};
  std::thread rebuilder_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace sluice::clicks
