#pragma once
// The http source's own metrics (Context::metrics): requests answered, by status code, and how long
// each took from the moment its request was read to the moment its answer was ready (for
// `ack: delivered` that includes waiting for the sinks).
//
// One counter per status code, made the first time the code is answered: a lock and the
// registry's allocation once per code, never per request; after that a request costs an atomic
// load and two relaxed adds.

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "sluice/metrics.hpp"

namespace sluice::http {

class HttpMetrics {
 public:
  explicit HttpMetrics(std::shared_ptr<Metrics> metrics);
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  // From any thread. `seconds` < 0: the answer had no request to time (a refused connection).
  void answered(unsigned status, double seconds);

  static std::vector<MetricSpec> specs();

 private:
  const Counter& counter_for(unsigned status);

  std::shared_ptr<Metrics> metrics_;
  Histogram duration_;
  std::array<std::atomic<const Counter*>, 600> by_code_{};  // 100..599; published once made
  std::mutex making_;
  std::deque<Counter> made_;  // a deque: a new handle never moves the others
};

}  // namespace sluice::http
