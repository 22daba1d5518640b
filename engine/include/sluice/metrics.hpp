#pragma once
// Metrics a plugin reports through Context::metrics: counters, gauges and histograms, each with a
// label set fixed when it is made. The engine adds the labels `pipeline`, `component` and `type`
// of the component that made it and serves every series on its admin endpoint (`GET /metrics`,
// Prometheus text format). Names are Prometheus names: `sluice_<plugin>_<what>_<unit>`, counters
// ending in `_total`.
//
// Make the series once (in the constructor or start()) and keep the handle: making one takes a
// lock, updating it never does (one relaxed atomic add, so a handle is safe from any thread and
// costs a few instructions on the hot path). A handle made while metrics are off, or
// default-constructed, does nothing. Handles stay valid for the component's whole life; the
// engine keeps a series across a reload of its pipeline, so a counter does not restart at zero.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sluice/export.hpp"

namespace sluice {

// Label names and values, e.g. {{"code", "200"}}. Values are any UTF-8 text; the engine escapes them.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

namespace detail {

// The storage behind a histogram series. Owned by the engine's registry; a handle points into it.
struct HistogramCells {
  std::vector<double> bounds;                             // upper bounds, ascending; +Inf is implied
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;  // bounds.size() + 1 (the last is +Inf)
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_bits{0};  // a double, as its bits: added with a CAS loop
};

}  // namespace detail

// Only goes up. inc() is one relaxed atomic add.
class Counter {
 public:
  Counter() = default;
  explicit Counter(std::atomic<std::uint64_t>* cell) : cell_(cell) {}
  void inc(std::uint64_t n = 1) const noexcept {
    if (cell_ != nullptr) cell_->fetch_add(n, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t>* cell_ = nullptr;
};

// A value that goes up and down: a queue's length, connected clients. Whole numbers.
class Gauge {
 public:
  Gauge() = default;
  explicit Gauge(std::atomic<std::int64_t>* cell) : cell_(cell) {}
  void set(std::int64_t v) const noexcept {
    if (cell_ != nullptr) cell_->store(v, std::memory_order_relaxed);
  }
  void add(std::int64_t d) const noexcept {
    if (cell_ != nullptr) cell_->fetch_add(d, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t>* cell_ = nullptr;
};

// Observations counted into fixed buckets (seconds, for durations), plus their count and sum.
class Histogram {
 public:
  Histogram() = default;
  explicit Histogram(detail::HistogramCells* cells) : cells_(cells) {}
  void observe(double v) const noexcept {
    if (cells_ == nullptr) return;
    std::size_t i = 0;
    const std::size_t n = cells_->bounds.size();
    while (i < n && v > cells_->bounds[i]) ++i;  // a dozen bounds: a scan beats a search
    cells_->buckets[i].fetch_add(1, std::memory_order_relaxed);
    cells_->count.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t old_bits = cells_->sum_bits.load(std::memory_order_relaxed), new_bits;
    do {
      double sum;
      std::memcpy(&sum, &old_bits, sizeof sum);
      sum += v;
      std::memcpy(&new_bits, &sum, sizeof sum);
    } while (!cells_->sum_bits.compare_exchange_weak(old_bits, new_bits, std::memory_order_relaxed));
  }

 private:
  detail::HistogramCells* cells_ = nullptr;
};

// Bucket bounds in seconds for request and delivery latencies: 0.5 ms to 10 s.
SLUICE_EXPORT const std::vector<double>& latency_buckets();

// Makes series. Implemented by the engine; Context::metrics is never null (a component made
// outside the engine, in a plugin's own unit test, gets metrics_off(), whose handles do nothing).
// Asking twice for the same name and labels returns the same series. A name asked for again with
// another type, help or label names is a plugin bug: std::invalid_argument.
class Metrics {
 public:
  virtual ~Metrics() = default;
  virtual Counter counter(const std::string& name, const std::string& help, const MetricLabels& labels = {}) = 0;
  virtual Gauge gauge(const std::string& name, const std::string& help, const MetricLabels& labels = {}) = 0;
  virtual Histogram histogram(const std::string& name, const std::string& help, const std::vector<double>& buckets,
                              const MetricLabels& labels = {}) = 0;
};

// A metric a component reports, declared in its ComponentSpec::metrics so that `sluice plugins`
// and the README's metrics reference list it without running anything. The label names are the
// component's own (`code`, `reason`); the engine adds `pipeline`, `component` and `type`.
enum class MetricType { counter, gauge, histogram };
struct MetricSpec {
  std::string name;  // e.g. "sluice_http_requests_total"
  MetricType type = MetricType::counter;
  std::string help;  // one line: what is counted, and the unit
  std::vector<std::string> labels;
};

// Metrics whose handles do nothing.
SLUICE_EXPORT std::shared_ptr<Metrics> metrics_off();

}  // namespace sluice
