#pragma once
// The engine's metrics: every series made through Context::metrics (plugins) and by the runtime,
// plus collectors that read live state when /metrics is rendered. One per process (`sluice run`
// makes it from `engine.metrics`), shared by the Engine and the admin endpoint.
//
// A series is identified by its name and label values. Asking again for one that exists returns
// the same cells, so a pipeline rebuilt by a reload keeps counting where it was. Series are never
// removed (their number is bounded by the configuration's components and the plugins' label
// sets). Making a series takes a mutex; updating one never does (sluice/metrics.hpp).
//
// Threading: every member is thread-safe. Collectors run on the thread that calls render(), one
// render at a time, never while a scoped collector is being removed.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "metrics/exposition.hpp"
#include "sluice/metrics.hpp"

namespace sluice::metrics {

class Registry {
 public:
  // Disabled: for_component() and for_engine() return metrics_off() (handles that do nothing);
  // render() still serves what collectors add, the process metrics and sluice_build_info.
  explicit Registry(bool enabled = true);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  bool enabled() const { return enabled_; }

  // Metrics for one component: every series gets the labels pipeline, component (its label, as
  // in logs: "sinks[0] kafka") and type (its plugin type: "kafka"), before its own.
  std::shared_ptr<Metrics> for_component(const std::string& pipeline, const std::string& component,
                                         const std::string& type);
  // Metrics with no extra labels (sluice_reloads_total, per-pipeline series that name their own).
  std::shared_ptr<Metrics> for_engine();

  // Called at every render for as long as the registry lives (process, build, plugin info).
  void add_collector(std::function<void(Exposition&)> collect);

  // A collector removed when the Subscription is destroyed or reset(); once that returns, the
  // collector is not running and never runs again: it may read state that dies right after
  // (a pipeline's queue). Safe to outlive the registry.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }
    void reset();

   private:
    friend class Registry;
    struct Collectors;
    Subscription(std::weak_ptr<Collectors> collectors, std::uint64_t id)
        : collectors_(std::move(collectors)), id_(id) {}
    std::weak_ptr<Collectors> collectors_;
    std::uint64_t id_ = 0;
  };
  [[nodiscard]] Subscription add_scoped_collector(std::function<void(Exposition&)> collect);

  // The text exposition format 0.0.4; serve it with Content-Type kContentType. Throws
  // std::invalid_argument when a collector writes a family that conflicts with another.
  std::string render() const;

  struct Store;  // the series (registry.cpp); shared with the Metrics it hands out

 private:
  const bool enabled_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<Subscription::Collectors> collectors_;
};

}  // namespace sluice::metrics
