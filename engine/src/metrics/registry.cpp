#include "metrics/registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "metrics/process_metrics.hpp"

namespace sluice::metrics {

// The cells of one series. Which members are used depends on the family's type.
struct Series {
  std::atomic<std::uint64_t> counter{0};
  std::atomic<std::int64_t> gauge{0};
  detail::HistogramCells histogram;
};

struct Family {
  MetricType type;
  std::string help;
  std::vector<std::string> label_names;  // the scope's, then the metric's own
  std::vector<double> bounds;            // histograms
  // By label values in label_names' order; unique_ptr: a handle points into the cells for good.
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series;
};

struct Registry::Store {
  std::mutex mutex;
  std::map<std::string, Family> families;

  Series& find_or_make(const std::string& name, MetricType type, const std::string& help, const MetricLabels& scope,
                       const MetricLabels& own, const std::vector<double>* bounds);
};

struct Registry::Subscription::Collectors {
  std::mutex mutex;  // held while collectors run: removing one waits for a render to finish
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, std::function<void(Exposition&)>> all;  // by id: in the order added
};

namespace {

const char* type_word(MetricType t) {
  return t == MetricType::counter ? "counter" : t == MetricType::gauge ? "gauge" : "histogram";
}

void check_bounds(const std::string& name, const std::vector<double>& bounds) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
      throw std::invalid_argument("histogram " + name +
                                  ": bucket bounds must be finite and strictly ascending (+Inf is implied)");
    }
  }
}

}  // namespace

Series& Registry::Store::find_or_make(const std::string& name, MetricType type, const std::string& help,
                                      const MetricLabels& scope, const MetricLabels& own,
                                      const std::vector<double>* bounds) {
  std::vector<std::string> names;
  for (const auto& l : scope) names.push_back(l.first);
  for (const auto& l : own) names.push_back(l.first);

  std::lock_guard lock(mutex);
  auto it = families.find(name);
  if (it == families.end()) {
    check_metric_name(name);
    check_label_names(name, names, type == MetricType::histogram);
    if (bounds) check_bounds(name, *bounds);
    Family f{type, help, names, bounds ? *bounds : std::vector<double>{}, {}};
    it = families.emplace(name, std::move(f)).first;
  } else {
    const Family& f = it->second;
    if (f.type != type) {
      throw std::invalid_argument("metric " + name + " is a " + type_word(f.type) + ", asked for as a " +
                                  type_word(type));
    }
    if (f.help != help) {
      throw std::invalid_argument("metric " + name + " was made with the help \"" + f.help + "\", asked for with \"" +
                                  help + "\"");
    }
    if (bounds && f.bounds != *bounds) {
      throw std::invalid_argument("histogram " + name + " was made with other bucket bounds");
    }
  }
  Family& f = it->second;
  // The label values in the family's order; the metric's own labels may come in any order.
  std::vector<std::string> values;
  values.reserve(f.label_names.size());
  bool same = names.size() == f.label_names.size();
  for (std::size_t i = 0; same && i < f.label_names.size(); ++i) {
    const std::string& wanted = f.label_names[i];
    const auto has = [&](const auto& l) { return l.first == wanted; };
    auto s = std::find_if(scope.begin(), scope.end(), has);
    if (s != scope.end()) {
      values.push_back(s->second);
      continue;
    }
    auto o = std::find_if(own.begin(), own.end(), has);
    if (o == own.end()) {
      same = false;
      break;
    }
    values.push_back(o->second);
  }
  if (!same) {
    std::string want;
    for (const auto& n : f.label_names) want += (want.empty() ? "" : ", ") + n;
    throw std::invalid_argument("metric " + name + " was made with the labels {" + want + "}, asked for with others");
  }
  auto& slot = f.series[values];
  if (!slot) {
    slot = std::make_unique<Series>();
    if (type == MetricType::histogram) {
      slot->histogram.bounds = f.bounds;
      slot->histogram.buckets = std::make_unique<std::atomic<std::uint64_t>[]>(f.bounds.size() + 1);
      for (std::size_t i = 0; i <= f.bounds.size(); ++i) slot->histogram.buckets[i].store(0);
    }
  }
  return *slot;
}

namespace {

// What Context::metrics is: makes series in the store with the scope's labels first.
class ScopedMetrics final : public Metrics {
 public:
  ScopedMetrics(std::shared_ptr<Registry::Store> store, MetricLabels scope)
      : store_(std::move(store)), scope_(std::move(scope)) {}

  Counter counter(const std::string& name, const std::string& help, const MetricLabels& labels) override {
    return Counter(&store_->find_or_make(name, MetricType::counter, help, scope_, labels, nullptr).counter);
  }
  Gauge gauge(const std::string& name, const std::string& help, const MetricLabels& labels) override {
    return Gauge(&store_->find_or_make(name, MetricType::gauge, help, scope_, labels, nullptr).gauge);
  }
  Histogram histogram(const std::string& name, const std::string& help, const std::vector<double>& buckets,
                      const MetricLabels& labels) override {
    return Histogram(&store_->find_or_make(name, MetricType::histogram, help, scope_, labels, &buckets).histogram);
  }

 private:
  // Handles point into the store: it lives as long as any component's Context does.
  std::shared_ptr<Registry::Store> store_;
  const MetricLabels scope_;
};

}  // namespace

Registry::Registry(bool enabled)
    : enabled_(enabled), store_(std::make_shared<Store>()), collectors_(std::make_shared<Subscription::Collectors>()) {
  add_collector(collect_process_metrics);
  add_collector(collect_build_info);
}

Registry::~Registry() = default;

std::shared_ptr<Metrics> Registry::for_component(const std::string& pipeline, const std::string& component,
                                                 const std::string& type) {
  if (!enabled_) return metrics_off();
  return std::make_shared<ScopedMetrics>(
      store_, MetricLabels{{"pipeline", pipeline}, {"component", component}, {"type", type}});
}

std::shared_ptr<Metrics> Registry::for_engine() {
  if (!enabled_) return metrics_off();
  return std::make_shared<ScopedMetrics>(store_, MetricLabels{});
}

void Registry::add_collector(std::function<void(Exposition&)> collect) {
  std::lock_guard lock(collectors_->mutex);
  collectors_->all.emplace(collectors_->next_id++, std::move(collect));
}

Registry::Subscription Registry::add_scoped_collector(std::function<void(Exposition&)> collect) {
  std::lock_guard lock(collectors_->mutex);
  const std::uint64_t id = collectors_->next_id++;
  collectors_->all.emplace(id, std::move(collect));
  return Subscription(collectors_, id);
}

Registry::Subscription::Subscription(Subscription&& other) noexcept
    : collectors_(std::move(other.collectors_)), id_(std::exchange(other.id_, 0)) {}

Registry::Subscription& Registry::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    collectors_ = std::move(other.collectors_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void Registry::Subscription::reset() {
  if (auto c = collectors_.lock()) {
    std::lock_guard lock(c->mutex);  // waits for a render that is running this collector
    c->all.erase(id_);
  }
  collectors_.reset();
  id_ = 0;
}

std::string Registry::render() const {
  Exposition out;
  {
    std::lock_guard lock(collectors_->mutex);
    for (const auto& [id, collect] : collectors_->all) collect(out);
  }
  std::lock_guard lock(store_->mutex);
  for (const auto& [name, f] : store_->families) {
    for (const auto& [values, s] : f.series) {
      switch (f.type) {
        case MetricType::counter:
          out.add_series(name, f.type, f.help, f.label_names, values,
                         std::to_string(s->counter.load(std::memory_order_relaxed)));
          break;
        case MetricType::gauge:
          out.add_series(name, f.type, f.help, f.label_names, values,
                         std::to_string(s->gauge.load(std::memory_order_relaxed)));
          break;
        case MetricType::histogram: {
          // Read without a lock while observations go on: the buckets are made cumulative here
          // and the count is their total, so a scrape is always self-consistent (_count equals
          // the +Inf bucket) even if _sum is an observation ahead or behind.
          const auto& h = s->histogram;
          std::vector<std::uint64_t> cumulative(h.bounds.size() + 1);
          std::uint64_t total = 0;
          for (std::size_t i = 0; i < cumulative.size(); ++i) {
            total += h.buckets[i].load(std::memory_order_relaxed);
            cumulative[i] = total;
          }
          double sum;
          const std::uint64_t bits = h.sum_bits.load(std::memory_order_relaxed);
          std::memcpy(&sum, &bits, sizeof sum);
          out.add_histogram(name, f.help, f.label_names, values, h.bounds, cumulative, sum);
          break;
        }
      }
    }
  }
  return out.text();
}

}  // namespace sluice::metrics
