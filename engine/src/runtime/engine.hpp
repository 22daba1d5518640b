#pragma once
// Builds the pipelines of a checked config from the plugin registry and runs them: one I/O
// context per pipeline, start order (sinks and pipeline threads first, then sources, so pipelines
// that feed each other in-process find their peer ready), the shutdown sequence, and reloads
// (runtime/reload_report.hpp): a pipeline whose configuration changed is drained and replaced
// while the others run on untouched.

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
#include "runtime/reload_report.hpp"

namespace sluice::runtime {

struct EngineOptions {
  std::vector<std::string> only;  // run only these pipelines; empty = all
  // Where components and pipelines count (Context::metrics, runtime/pipeline_metrics.hpp); null:
  // metrics off. The engine also serves sluice_plugin_info there while it lives. Series outlive
  // the pipelines a reload replaces: the new one counts on.
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
  // During a reload too: the pipelines the reload starts are stopped as well.
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

  // Applies `next` (checked already by the config loader against `registry`) to the running
  // engine, pipeline by pipeline; thread-safe, one reload at a time (others wait). `next` is
  // compared on the resolved configuration (config/config_hash.hpp) including the build of each
  // component's library in `registry`:
  //   unchanged: not touched at all;
  //   changed:   the new pipeline is made and started first, then the old one drains the way a
  //              shutdown does (its source stops, in-flight events are acknowledged, sinks flush,
  //              within shutdown_timeout) and is destroyed, its I/O context with it;
  //   removed:   drained and destroyed;  added: made and started.
  // Refused, with nothing changed, when an engine setting differs (they cannot be applied live),
  // when a stop was asked for, or when a new component's factory refuses (errors at
  // file:line:column). `--only` (EngineOptions) still applies.
  ReloadReport reload(const config::Config& next, const plugins::PluginRegistry& registry);

  // nullptr when no such pipeline is running. The pointer is valid until the next reload that
  // changes or removes that pipeline.
  Pipeline* pipeline(const std::string& name);
  // The names of the running pipelines and their config hashes, in file order.
  std::vector<std::pair<std::string, std::string>> pipeline_hashes() const;
  // Each pipeline's state, configuration hash, readiness and counts; from any thread, at any
  // time (the admin endpoint's thread). engine_status.cpp.
  std::vector<PipelineStatus> status() const;
  // What EngineOptions::metrics gave (null: metrics off); the admin endpoint renders it.
  const std::shared_ptr<metrics::Registry>& metrics() const { return options_.metrics; }
  // The plugin libraries the running pipelines' components come from (sluice_plugin_info): after
  // a plugin swap, the new build. Thread-safe: a copy.
  std::vector<std::shared_ptr<plugins::PluginLibrary>> libraries() const;

 private:
  struct IoRunner;
  struct Unit;
  using Units = std::vector<std::shared_ptr<Unit>>;

  std::shared_ptr<Unit> build_unit(const config::PipelineConfig& p, const plugins::PluginRegistry& registry,
                                   std::vector<config::Diagnostic>& errors);
  void start_units(const Units& units);
  bool all_finished() const;
  // Tears the units down in the thread model's order, across them all: pipeline threads joined,
  // I/O contexts stopped, transforms stopped, then sinks, transforms and sources destroyed.
  void teardown_units(Units& units);
  void teardown();
  bool wanted(const std::string& name) const;

  Logger log_{"engine"};
  EngineOptions options_;
  config::EngineSettings settings_;
  Duration shutdown_timeout_;

  // Held by a reload from start to end, and by wait() while it tears down: the two never
  // change the set of pipelines at once.
  std::mutex reload_mutex_;
  // Guards units_ (the list; each Unit is immutable once listed) and the flags below.
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Units units_;
  std::optional<Deadline> stop_deadline_;
  bool started_ = false;
  // start() is still starting components: a stop asked for meanwhile (a signal while a
  // transform's start() waits for Kafka) is kept and carried out when start() is done, so that no
  // source is stopped before it is started (it would then never close) or while it starts.
  bool starting_ = false;
  bool stop_deferred_ = false;
  bool torn_down_ = false;
  std::vector<PipelineDescription> stopped_;  // what ran, once torn down: status() says "stopped"

  // Last: removed first, so the collector never reads an engine being destroyed.
  metrics::Registry::Subscription plugin_info_;
};

}  // namespace sluice::runtime
