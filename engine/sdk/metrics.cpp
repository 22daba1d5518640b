#include "sluice/metrics.hpp"

namespace sluice {

const std::vector<double>& latency_buckets() {
  static const std::vector<double> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return bounds;
}

namespace {

// Metrics off: every handle is a default one, which does nothing.
class MetricsOff final : public Metrics {
 public:
  Counter counter(const std::string&, const std::string&, const MetricLabels&) override { return {}; }
  Gauge gauge(const std::string&, const std::string&, const MetricLabels&) override { return {}; }
  Histogram histogram(const std::string&, const std::string&, const std::vector<double>&,
                      const MetricLabels&) override {
    return {};
  }
};

}  // namespace

std::shared_ptr<Metrics> metrics_off() {
  static const std::shared_ptr<Metrics> off = std::make_shared<MetricsOff>();
  return off;
}

}  // namespace sluice
