#pragma once
// Builds the pipelines of a checked config from the plugin registry and runs them: one shared I/O
// context, start order (sinks and pipeline threads first, then sources, so pipelines that feed
// each other in-process find their peer ready), and the shutdown sequence.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config_model.hpp"
#include "metrics/registry.hpp"
#include "plugins/plugin_registry.hpp"
#include "runtime/engine_status.hpp"
#include "runtime/pipeline.hpp"

namespace boost::asio {
class io_context;
}

namespace sluice::runtime {

struct EngineOptions {
  std::vector<std::string> only;  // run only these pipelines; empty = all
  // Where components and pipelines count (Context::metrics, runtime/pipeline_metrics.hpp); null:
  // metrics off. The engine also serves sluice_plugin_info there while it lives.
  std::shared_ptr<metrics::Registry> metrics;
};

class Engine {
 public:
  // Creates every component. Throws config::ConfigErrors when a factory refuses its options or
  // `only` names an unknown pipeline; nothing is started then.
  Engine(const config::Config& config, const plugins::PluginRegistry& registry, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start();
  // Thread-safe and idempotent: sources stop, queues drain, sinks flush, within shutdown_timeout.
  void request_stop();
  // Blocks until every pipeline has finished (sources closed and drained) or, after a stop, the
  // deadline passed. Then tears everything down. Returns the exit code: 0, or 1 when a pipeline
  // failed, the deadline passed with events undelivered, or a pipeline could deliver nothing
  // (its source's emits failed and none succeeded).
  int wait();
  int run() {
    start();
    return wait();
  }

  boost::asio::io_context& io();
  // nullptr when no such pipeline is running.
  Pipeline* pipeline(const std::string& name);
  // Each pipeline's state, configuration hash, readiness and counts; from any thread, at any
  // time (the admin endpoint's thread). engine_status.cpp.
  std::vector<PipelineStatus> status() const;
  // What EngineOptions::metrics gave (null: metrics off); the admin endpoint renders it.
  const std::shared_ptr<metrics::Registry>& metrics() const { return metrics_; }
  // The plugin libraries the engine holds (sluice_plugin_info). Thread-safe: a copy.
  std::vector<std::shared_ptr<plugins::PluginLibrary>> libraries() const;

 private:
  struct IoRunner;
  bool all_finished() const;
  void teardown();

  Logger log_{"engine"};
  // Declared first: libraries stay mapped until everything made from them is gone.
  std::vector<std::shared_ptr<plugins::PluginLibrary>> libraries_;
  mutable std::mutex libraries_mutex_;  // libraries() may be called from the admin endpoint's thread
  std::unique_ptr<IoRunner> io_;
  std::vector<std::unique_ptr<Pipeline>> pipelines_;
  std::vector<PipelineDescription> described_;  // one per pipelines_ entry, for status()
  Duration shutdown_timeout_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Deadline> stop_deadline_;
  bool started_ = false;
  // start() is still starting components: a stop asked for meanwhile (a signal while a
  // transform's start() waits for Kafka) is kept and carried out when start() is done, so that no
  // source is stopped before it is started (it would then never close) or while it starts.
  bool starting_ = false;
  bool stop_deferred_ = false;
  bool torn_down_ = false;

  std::shared_ptr<metrics::Registry> metrics_;
  // Last: removed first, so the collector never reads an engine being destroyed.
  metrics::Registry::Subscription plugin_info_;
};

}  // namespace sluice::runtime
