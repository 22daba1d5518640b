#include "http_metrics.hpp"

#include <string>

namespace sluice::http {

namespace {
constexpr const char* kRequests = "sluice_http_requests_total";
constexpr const char* kRequestsHelp = "HTTP requests the source answered, by status code";
constexpr const char* kDuration = "sluice_http_request_duration_seconds";
constexpr const char* kDurationHelp =
    "Seconds from a request read in full to its answer ready (with ack: delivered, the wait for the sinks too)";
}  // namespace

std::vector<MetricSpec> HttpMetrics::specs() {
  return {{kRequests, MetricType::counter, kRequestsHelp, {"code"}},
          {kDuration, MetricType::histogram, kDurationHelp, {}}};
}

HttpMetrics::HttpMetrics(std::shared_ptr<Metrics> metrics)
    : metrics_(std::move(metrics)), duration_(metrics_->histogram(kDuration, kDurationHelp, latency_buckets())) {}

const Counter& HttpMetrics::counter_for(unsigned status) {
  if (status < 100 || status >= by_code_.size()) status = 500;  // Beast knows no other codes
  if (const Counter* c = by_code_[status].load(std::memory_order_acquire)) return *c;
  std::lock_guard lock(making_);
  if (const Counter* c = by_code_[status].load(std::memory_order_acquire)) return *c;
  made_.push_back(metrics_->counter(kRequests, kRequestsHelp, {{"code", std::to_string(status)}}));
  by_code_[status].store(&made_.back(), std::memory_order_release);
  return made_.back();
}

void HttpMetrics::answered(unsigned status, double seconds) {
  counter_for(status).inc();
  if (seconds >= 0) duration_.observe(seconds);
}

}  // namespace sluice::http
