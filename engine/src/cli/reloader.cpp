#include "cli/reloader.hpp"

#include <sstream>

#include "config/config_loader.hpp"
#include "metrics/engine_metrics.hpp"

namespace sluice::cli {

Reloader::Reloader(runtime::Engine& engine, std::string file, std::vector<std::filesystem::path> plugin_path,
                   plugins::PluginRegistry registry, std::shared_ptr<Metrics> metrics)
    : engine_(engine), file_(std::move(file)), plugin_path_(std::move(plugin_path)), registry_(std::move(registry)) {
  if (!metrics) metrics = metrics_off();
  // Declared with the engine's other metrics (metrics/engine_metrics.hpp), for the docs.
  ok_ = metrics::counter(*metrics, metrics::EngineMetric::reloads, {{"result", "ok"}});
  failed_ = metrics::counter(*metrics, metrics::EngineMetric::reloads, {{"result", "failed"}});
  thread_ = std::thread([this] { serve(); });
}

Reloader::~Reloader() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Reloader::request(const std::string& trigger) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) pending_ = trigger;
  }
  wake_.notify_all();
}

void Reloader::serve() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return closing_ || !pending_.empty(); });
    if (closing_) return;
    const std::string trigger = std::exchange(pending_, {});
    lock.unlock();
    reload(trigger);
    lock.lock();
  }
}

runtime::ReloadReport Reloader::reload(const std::string& trigger) {
  std::lock_guard serial(reload_mutex_);
  log_.info(trigger, ": reloading ", file_);
  // The plugins first: the file is checked against the components they provide now. An unchanged
  // library is taken over as it is; a changed one is opened (from a private copy) and checked.
  plugins::PluginRegistry next_registry;
  next_registry.reuse_unchanged(registry_);
  next_registry.scan(plugin_path_);
  for (const auto& problem : next_registry.problems()) log_.warn("plugin refused: ", problem);

  runtime::ReloadReport report;
  try {
    const config::Config next = config::load_config_file(file_, next_registry);
    report = engine_.reload(next, next_registry);
  } catch (const config::ConfigErrors& errors) {
    report.ok = false;
    report.errors = errors.diagnostics();
  }
  if (!report.ok) {
    // A library refused above may be why a type is unknown: say so with the errors.
    if (!next_registry.problems().empty()) {
      for (const auto& problem : next_registry.problems()) {
        report.errors.push_back({{}, "plugins", "plugin refused: " + problem});
      }
    }
    for (const auto& e : report.errors) log_.error(e.format());
    log_.error(trigger, ": reload refused, nothing changed (", report.summary(), ")");
    failed_.inc();
    return report;
  }
  // The pipelines that used a library no longer in next_registry were torn down by now: dropping
  // the old registry closes such a library (its last holder), and removes its private copy.
  registry_ = std::move(next_registry);
  ok_.inc();
  log_.info("reloaded: ", report.summary());  // after the old libraries were let go
  return report;
}

std::function<std::pair<int, std::string>()> Reloader::http_handler() {
  return [this] {
    const auto report = reload("POST /reload");
    return std::make_pair(report.ok ? 200 : 422, report.json());
  };
}

}  // namespace sluice::cli
