#include "runtime/engine.hpp"

#include <algorithm>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "config/component_checks.hpp"
#include "config/suggest.hpp"
#include "metrics/engine_metrics.hpp"
#include "sluice/errors.hpp"

namespace sluice::runtime {

struct Engine::IoRunner {
  explicit IoRunner(std::size_t threads)
      : context(static_cast<int>(threads)), guard(boost::asio::make_work_guard(context)), thread_count(threads) {}

  void start(const Logger& log) {
    for (std::size_t i = 0; i < thread_count; ++i) {
      threads.emplace_back([this, &log] {
        // A handler that throws is a plugin bug; log it and keep the context serving the others.
        for (;;) {
          try {
            context.run();
            return;
          } catch (const std::exception& e) {
            log.error("an I/O handler threw: ", e.what());
          }
        }
      });
    }
  }

  void stop() {
    guard.reset();
    context.stop();
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
    threads.clear();
  }

  boost::asio::io_context context;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  std::size_t thread_count;
  std::vector<std::thread> threads;
};

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

Engine::Engine(const config::Config& config, const plugins::PluginRegistry& registry, EngineOptions options)
    : libraries_(registry.libraries()),
      shutdown_timeout_(config.engine.shutdown_timeout),
      metrics_(std::move(options.metrics)) {
  std::size_t threads = static_cast<std::size_t>(config.engine.io_threads);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  io_ = std::make_unique<IoRunner>(threads);

  std::vector<config::Diagnostic> errors;
  std::vector<std::string> names;
  for (const auto& p : config.pipelines) names.push_back(p.name);
  for (const auto& wanted : options.only) {
    if (std::find(names.begin(), names.end(), wanted) == names.end()) {
      errors.push_back({{config.file, 0, 0},
                        "",
                        "--only " + wanted + ": no pipeline of that name" + config::did_you_mean(wanted, names) +
                            "; the file defines: " + config::join_names(names)});
    }
  }
  if (!errors.empty()) throw config::ConfigErrors(std::move(errors));

  for (const auto& p : config.pipelines) {
    if (!options.only.empty() && std::find(options.only.begin(), options.only.end(), p.name) == options.only.end()) {
      continue;
    }
    auto& io = io_->context;
    auto slot = std::make_shared<std::atomic<Pipeline*>>(nullptr);
    auto source =
        build<Source>(registry, p.name, p.source, &ComponentSpec::make_source, io, slot, metrics_.get(), errors);
    std::vector<ComponentInstance<Transform>> transforms;
    for (const auto& t : p.transforms) {
      transforms.push_back(
          build<Transform>(registry, p.name, t, &ComponentSpec::make_transform, io, slot, metrics_.get(), errors));
    }
    std::vector<ComponentInstance<Sink>> sinks;
    for (const auto& s : p.sinks) {
      sinks.push_back(build<Sink>(registry, p.name, s, &ComponentSpec::make_sink, io, slot, metrics_.get(), errors));
    }
    std::shared_ptr<DeadLetters> dead_letters;
    if (p.dead_letter.enabled) {
      auto sink = build<Sink>(registry, p.name, p.dead_letter.sink, &ComponentSpec::make_sink, io, slot, metrics_.get(),
                              errors);
      if (sink.object) {
        dead_letters =
            std::make_shared<DeadLetters>(std::move(sink), p.settings, p.dead_letter.include_refused_requests);
      }
    }
    if (!errors.empty()) continue;  // keep checking the other pipelines, build nothing more
    pipelines_.push_back(std::make_unique<Pipeline>(p.name, p.settings, shutdown_timeout_, std::move(source),
                                                    std::move(transforms), std::move(sinks), std::move(dead_letters),
                                                    [this] {
                                                      { std::lock_guard lock(mutex_); }
                                                      changed_.notify_all();
                                                    }));
    if (metrics_) pipelines_.back()->attach_metrics(*metrics_, p);
    slot->store(pipelines_.back().get());
    described_.push_back(describe_pipeline(p));
  }
  if (!errors.empty()) {
    pipelines_.clear();
    throw config::ConfigErrors(std::move(errors));
  }
  if (metrics_) {
    plugin_info_ = metrics_->add_scoped_collector([this](metrics::Exposition& out) {
      for (const auto& library : libraries()) {
        metrics::add(out, metrics::EngineMetric::plugin_info,
                     {{"library", library->name()},
                      {"abi", std::to_string(SLUICE_ABI_VERSION)},
                      {"path", library->file().string()}},
                     1);
      }
    });
  }
}

std::vector<std::shared_ptr<plugins::PluginLibrary>> Engine::libraries() const {
  std::lock_guard lock(libraries_mutex_);
  return libraries_;
}

boost::asio::io_context& Engine::io() { return io_->context; }

Pipeline* Engine::pipeline(const std::string& name) {
  for (auto& p : pipelines_) {
    if (p->name() == name) return p.get();
  }
  return nullptr;
}

void Engine::start() {
  {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    starting_ = true;
  }
  io_->start(log_);
  for (auto& p : pipelines_) {
    p->start_sinks();
    p->start_transforms();  // before any batch: the worker and the source start after
    p->start_worker();
  }
  for (auto& p : pipelines_) p->start_source();
  log_.info("running ", pipelines_.size(), pipelines_.size() == 1 ? " pipeline" : " pipelines");
  bool stop_asked = false;
  {
    std::lock_guard lock(mutex_);
    starting_ = false;
    stop_asked = stop_deferred_;
  }
  // A component that cannot start leaves the file half-running; stop the rest in order and exit 1.
  if (std::any_of(pipelines_.begin(), pipelines_.end(), [](const auto& p) { return p->failed(); })) {
    log_.error("a component failed to start; stopping every pipeline");
    request_stop();
  } else if (stop_asked) {
    request_stop();
  }
}

void Engine::request_stop() {
  Deadline deadline;
  bool deferred = false;
  {
    std::lock_guard lock(mutex_);
    if (stop_deadline_) return;
    deferred = starting_;
    if (deferred) {
      stop_deferred_ = true;  // start() carries it out once every source has started
    } else {
      deadline = std::chrono::steady_clock::now() + shutdown_timeout_;
      stop_deadline_ = deadline;
    }
  }
  if (deferred) {
    log_.info("stop requested while starting: stopping once every component has started");
    return;
  }
  log_.info("stopping: sources stop taking events, queues drain, sinks flush (deadline ",
            std::chrono::duration_cast<std::chrono::milliseconds>(shutdown_timeout_).count(), " ms)");
  // Every source at once: a pipeline fed in-process keeps its source open until its writers close.
  for (auto& p : pipelines_) p->request_stop(deadline);
  changed_.notify_all();
}

bool Engine::all_finished() const {
  return std::all_of(pipelines_.begin(), pipelines_.end(), [](const auto& p) { return p->finished(); });
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
  if (gave_up) {
    std::string stuck;
    for (auto& p : pipelines_) {
      if (!p->finished()) stuck += (stuck.empty() ? "" : ", ") + p->name();
    }
    log_.error("shutdown deadline passed; giving up on pipelines: ", stuck);
    for (auto& p : pipelines_) p->abort();
  }
  for (auto& p : pipelines_) p->join();
  bool failed = std::any_of(pipelines_.begin(), pipelines_.end(), [](const auto& p) { return p->failed(); });
  // Every pipeline is asked (each logs its own), not only until the first says so.
  for (auto& p : pipelines_) failed = p->delivered_nothing() || failed;
  teardown();
  return gave_up || failed ? 1 : 0;
}

void Engine::teardown() {
  {
    std::lock_guard lock(mutex_);  // status() reads nothing once this is set
    if (torn_down_) return;
    torn_down_ = true;
  }
  // Normally every pipeline finished already; an engine dropped while running is stopped now.
  for (auto& p : pipelines_) p->request_stop(std::chrono::steady_clock::now());
  for (auto& p : pipelines_) p->abort();
  for (auto& p : pipelines_) p->join();
  // No handler may run while components are stopped or destroyed: every `[this]` handler of a
  // plugin relies on it (sluice/thread_model.hpp). io_->stop() returns once the I/O threads are
  // joined; handlers still queued are destroyed unrun with the io_context, in ~Engine.
  io_->stop();
  // After the last batch (join() above) and with no handler running: a transform's stop() may
  // join its own threads and cancel its timers without racing a handler.
  for (auto& p : pipelines_) p->stop_transforms();
  for (auto& p : pipelines_) p->destroy_sinks();
  for (auto& p : pipelines_) p->destroy_transforms();
  for (auto& p : pipelines_) p->destroy_source();
  pipelines_.clear();
}

Engine::~Engine() {
  plugin_info_.reset();
  teardown();
  // Pending handlers hold plugin code; destroy them while the libraries are still mapped.
  io_.reset();
  std::lock_guard lock(libraries_mutex_);
  libraries_.clear();
}

}  // namespace sluice::runtime
