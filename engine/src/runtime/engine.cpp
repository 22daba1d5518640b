#include "runtime/engine.hpp"

#include <algorithm>
#include <thread>

#include "config/component_checks.hpp"
#include "config/config_hash.hpp"
#include "config/suggest.hpp"
#include "metrics/engine_metrics.hpp"
#include "runtime/engine_unit.hpp"
#include "sluice/errors.hpp"

namespace sluice::runtime {

namespace {

template <class T>
using FactoryOf = Factory<T> ComponentSpec::*;

// Components are made before their pipeline exists, but may keep Context's callbacks from their
// constructor (a timer that injects events): the callbacks reach the pipeline through this slot,
// filled once it is built.
using PipelineSlot = std::shared_ptr<std::atomic<Pipeline*>>;

template <class T>
ComponentInstance<T> build(const plugins::PluginRegistry& registry, const std::string& pipeline,
                           const config::ComponentConfig& c, FactoryOf<T> factory, boost::asio::io_context& io,
                           const PipelineSlot& slot, metrics::Registry* metrics,
                           std::vector<config::Diagnostic>& errors) {
  ComponentInstance<T> instance;
  const plugins::ComponentEntry* entry = registry.find(c.kind, c.type);
  if (!entry) {
    errors.push_back({c.at, config::component_where(pipeline, c), "no plugin provides this type"});
    return instance;
  }
  instance.library = entry->library;
  instance.context = std::make_unique<Context>();
  instance.context->pipeline = pipeline;
  instance.context->label = c.label;
  instance.context->log = Logger(pipeline + "/" + c.label);
  instance.context->io = &io;
  // Before the factory runs: a plugin makes its series in its constructor.
  if (metrics) instance.context->metrics = metrics->for_component(pipeline, c.label, c.type);
  instance.context->inject = [slot, by = c.label](std::vector<Event>& events) {
    Pipeline* p = slot->load();
    return p != nullptr && p->inject(events, by);
  };
  instance.context->sinks_ready = [slot](std::string& detail) {
    Pipeline* p = slot->load();
    return p != nullptr && p->sinks_ready(detail);
  };
  const std::string where = config::component_where(pipeline, c);  // as the loader names it
  try {
    instance.object = (entry->spec->*factory)(c.options, *instance.context);
    if (!instance.object) errors.push_back({c.at, where, "the plugin's factory returned nothing"});
  } catch (const ConfigError& e) {
    auto at = c.option_at.find(e.option());
    errors.push_back({at != c.option_at.end() ? at->second : c.at, where, e.what()});
  } catch (const std::exception& e) {
    errors.push_back({c.at, where, std::string("cannot be created: ") + e.what()});
  }
  return instance;
}

}  // namespace

namespace {

std::size_t io_thread_count(const config::EngineSettings& settings) {
  std::size_t threads = static_cast<std::size_t>(settings.io_threads);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  return threads;
}

config::LibraryIdentity identity_in(const plugins::PluginRegistry& registry) {
  return [&registry](ComponentKind kind, const std::string& type) {
    const plugins::ComponentEntry* e = registry.find(kind, type);
    return e ? e->library->identity() : std::string();
  };
}

template <class T>
void keep_library(std::vector<std::shared_ptr<plugins::PluginLibrary>>& out, const ComponentInstance<T>& c) {
  if (c.library && std::find(out.begin(), out.end(), c.library) == out.end()) out.push_back(c.library);
}

}  // namespace

Engine::Engine(const config::Config& config, const plugins::PluginRegistry& registry, EngineOptions options)
    : options_(std::move(options)), settings_(config.engine), shutdown_timeout_(config.engine.shutdown_timeout) {
  std::vector<config::Diagnostic> errors;
  std::vector<std::string> names;
  for (const auto& p : config.pipelines) names.push_back(p.name);
  for (const auto& wanted : options_.only) {
    if (std::find(names.begin(), names.end(), wanted) == names.end()) {
      errors.push_back({{config.file, 0, 0},
                        "",
                        "--only " + wanted + ": no pipeline of that name" + config::did_you_mean(wanted, names) +
                            "; the file defines: " + config::join_names(names)});
    }
  }
  if (!errors.empty()) throw config::ConfigErrors(std::move(errors));

  for (const auto& p : config.pipelines) {
    if (!wanted(p.name)) continue;
    auto unit = build_unit(p, registry, errors);
    if (unit) units_.push_back(std::move(unit));  // keep checking the other pipelines
  }
  if (!errors.empty()) {
    units_.clear();  // never started: nothing runs, so they are simply destroyed
    throw config::ConfigErrors(std::move(errors));
  }
  if (auto& registry = options_.metrics) {
    for (auto& u : units_) u->pipeline->publish_gauges(*registry);
    plugin_info_ = registry->add_scoped_collector([this](metrics::Exposition& out) {
      for (const auto& library : libraries()) {
        metrics::add(out, metrics::EngineMetric::plugin_info,
                     {{"library", library->name()},
                      {"abi", std::to_string(SLUICE_ABI_VERSION)},
                      {"path", library->file().string()},
                      {"build_id", library->build_id()}},
                     1);
      }
    });
  }
}

std::vector<std::shared_ptr<plugins::PluginLibrary>> Engine::libraries() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<plugins::PluginLibrary>> out;
  for (const auto& u : units_) {
    for (const auto& l : u->libraries) {
      if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
    }
  }
  return out;
}

bool Engine::wanted(const std::string& name) const {
  return options_.only.empty() || std::find(options_.only.begin(), options_.only.end(), name) != options_.only.end();
}

std::shared_ptr<Engine::Unit> Engine::build_unit(const config::PipelineConfig& p,
                                                 const plugins::PluginRegistry& registry,
                                                 std::vector<config::Diagnostic>& errors) {
  const std::size_t errors_before = errors.size();
  metrics::Registry* metrics = options_.metrics.get();
  auto unit = std::make_shared<Unit>();
  unit->name = p.name;
  unit->hash = config::pipeline_config_hash(p, identity_in(registry));
  unit->io = std::make_unique<IoRunner>(io_thread_count(settings_));
  auto& io = unit->io->context;
  auto slot = std::make_shared<std::atomic<Pipeline*>>(nullptr);
  auto source = build<Source>(registry, p.name, p.source, &ComponentSpec::make_source, io, slot, metrics, errors);
  keep_library(unit->libraries, source);
  std::vector<ComponentInstance<Transform>> transforms;
  for (const auto& t : p.transforms) {
    transforms.push_back(
        build<Transform>(registry, p.name, t, &ComponentSpec::make_transform, io, slot, metrics, errors));
    keep_library(unit->libraries, transforms.back());
  }
  std::vector<ComponentInstance<Sink>> sinks;
  for (const auto& s : p.sinks) {
    sinks.push_back(build<Sink>(registry, p.name, s, &ComponentSpec::make_sink, io, slot, metrics, errors));
    keep_library(unit->libraries, sinks.back());
  }
  std::shared_ptr<DeadLetters> dead_letters;
  if (p.dead_letter.enabled) {
    auto sink = build<Sink>(registry, p.name, p.dead_letter.sink, &ComponentSpec::make_sink, io, slot, metrics, errors);
    keep_library(unit->libraries, sink);
    if (sink.object) {
      dead_letters = std::make_shared<DeadLetters>(std::move(sink), p.settings, p.dead_letter.include_refused_requests);
    }
  }
  if (errors.size() != errors_before) return nullptr;  // what was made is destroyed here, unstarted
  unit->pipeline = std::make_unique<Pipeline>(p.name, p.settings, shutdown_timeout_, std::move(source),
                                              std::move(transforms), std::move(sinks), std::move(dead_letters), [this] {
                                                { std::lock_guard lock(mutex_); }
                                                changed_.notify_all();
                                              });
  if (metrics) unit->pipeline->attach_metrics(*metrics, p);
  unit->description = describe_pipeline(p, unit->hash);
  slot->store(unit->pipeline.get());
  return unit;
}

Pipeline* Engine::pipeline(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (auto& u : units_) {
    if (u->name == name) return u->pipeline.get();
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> Engine::pipeline_hashes() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& u : units_) out.emplace_back(u->name, u->hash);
  return out;
}

void Engine::start_units(const Units& units) {
  for (auto& u : units) u->io->start(log_);
  for (auto& u : units) {
    u->pipeline->start_sinks();
    u->pipeline->start_transforms();  // before any batch: the worker and the source start after
    u->pipeline->start_worker();
  }
  for (auto& u : units) u->pipeline->start_source();
}

void Engine::start() {
  Units units;
  {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    starting_ = true;
    units = units_;
  }
  start_units(units);
  log_.info("running ", units.size(), units.size() == 1 ? " pipeline" : " pipelines");
  bool stop_asked = false;
  {
    std::lock_guard lock(mutex_);
    starting_ = false;
    stop_asked = stop_deferred_;
  }
  // A component that cannot start leaves the file half-running; stop the rest in order and exit 1.
  if (std::any_of(units.begin(), units.end(), [](const auto& u) { return u->pipeline->failed(); })) {
    log_.error("a component failed to start; stopping every pipeline");
    request_stop();
  } else if (stop_asked) {
    request_stop();
  }
}

void Engine::request_stop() {
  Deadline deadline;
  bool deferred = false;
  Units units;
  {
    std::lock_guard lock(mutex_);
    if (stop_deadline_) return;
    deferred = starting_;
    if (deferred) {
      stop_deferred_ = true;  // start() carries it out once every source has started
    } else {
      deadline = std::chrono::steady_clock::now() + shutdown_timeout_;
      stop_deadline_ = deadline;
      units = units_;  // a reload installing pipelines after this sees stop_deadline_ and stops them
    }
  }
  if (deferred) {
    log_.info("stop requested while starting: stopping once every component has started");
    return;
  }
  log_.info("stopping: sources stop taking events, queues drain, sinks flush (deadline ",
            std::chrono::duration_cast<std::chrono::milliseconds>(shutdown_timeout_).count(), " ms)");
  // Every source at once: a pipeline fed in-process keeps its source open until its writers close.
  // A unit a reload retires meanwhile stays alive through `units`; its request_stop() runs once.
  for (auto& u : units) u->pipeline->request_stop(deadline);
  changed_.notify_all();
}

bool Engine::all_finished() const {
  return std::all_of(units_.begin(), units_.end(), [](const auto& u) { return u->pipeline->finished(); });
}

int Engine::wait() {
  bool gave_up = false;
  {
    std::lock_guard lock(mutex_);
    if (!started_) {
      log_.error("wait() without start(): nothing ran");
      return 1;
    }
  }
  std::unique_lock reloading(reload_mutex_, std::defer_lock);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        if (all_finished()) break;
        if (stop_deadline_) {
          gave_up = !changed_.wait_until(lock, *stop_deadline_, [&] { return all_finished(); });
          break;
        }
        changed_.wait(lock);
      }
    }
    // No reload may change the pipelines from here on; one that ran meanwhile may have started
    // pipelines that have not finished: wait for those too.
    reloading.lock();
    std::lock_guard lock(mutex_);
    if (gave_up || all_finished()) break;
    reloading.unlock();
  }
  Units units;
  {
    std::lock_guard lock(mutex_);
    units = units_;
  }
  if (gave_up) {
    std::string stuck;
    for (auto& u : units) {
      if (!u->pipeline->finished()) stuck += (stuck.empty() ? "" : ", ") + u->name;
    }
    log_.error("shutdown deadline passed; giving up on pipelines: ", stuck);
    for (auto& u : units) u->pipeline->abort();
  }
  for (auto& u : units) u->pipeline->join();
  bool failed = std::any_of(units.begin(), units.end(), [](const auto& u) { return u->pipeline->failed(); });
  // Every pipeline is asked (each logs its own), not only until the first says so.
  for (auto& u : units) failed = u->pipeline->delivered_nothing() || failed;
  teardown();
  return gave_up || failed ? 1 : 0;
}

void Engine::teardown_units(Units& units) {
  // Normally every pipeline finished already; one dropped while running is stopped now.
  for (auto& u : units) u->pipeline->request_stop(std::chrono::steady_clock::now());
  for (auto& u : units) u->pipeline->abort();
  for (auto& u : units) u->pipeline->join();
  // No handler may run while components are stopped or destroyed: every `[this]` handler of a
  // plugin relies on it (sluice/thread_model.hpp). stop() returns once the pipeline's I/O threads
  // are joined; handlers still queued are destroyed unrun with its io_context, in ~Unit.
  for (auto& u : units) u->io->stop();
  // After the last batch (join() above) and with no handler running: a transform's stop() may
  // join its own threads and cancel its timers without racing a handler.
  for (auto& u : units) u->pipeline->stop_transforms();
  // Across the units, sinks first: a sink destroyed fails what it holds, and that nack may reach
  // the source of another of these pipelines (inproc), which must still be alive.
  for (auto& u : units) u->pipeline->destroy_sinks();
  for (auto& u : units) u->pipeline->destroy_transforms();
  for (auto& u : units) u->pipeline->destroy_source();
  units.clear();  // each Unit: pipeline, then io_context, then its libraries (if no one else holds them)
}

void Engine::teardown() {
  Units units;
  {
    std::lock_guard lock(mutex_);
    if (torn_down_) return;
    torn_down_ = true;
    for (const auto& u : units_) stopped_.push_back(u->description);  // status() after the end
    units = std::move(units_);
    units_.clear();
  }
  teardown_units(units);
}

Engine::~Engine() {
  plugin_info_.reset();  // its collector reads units_
  teardown();
}

}  // namespace sluice::runtime
