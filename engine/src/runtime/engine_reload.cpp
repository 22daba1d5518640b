// Engine::reload: replaces the pipelines whose configuration changed while the others run on.
// See engine.hpp for the promise; the order below is what keeps it.

#include <algorithm>
#include <map>

#include "config/config_hash.hpp"
#include "runtime/engine.hpp"
#include "runtime/engine_unit.hpp"

namespace sluice::runtime {

namespace {

std::string ms_text(Duration d) { return std::to_string(d.count()) + "ms"; }

// Engine settings are read once, when the engine is made: the I/O threads exist, the shutdown
// clock of every running pipeline is set. A change is refused by name rather than half applied.
void check_engine_settings(const config::EngineSettings& now, const config::Config& next,
                           std::vector<config::Diagnostic>& errors) {
  const config::SourceLocation at{next.file, 0, 0};
  if (next.engine.io_threads != now.io_threads) {
    errors.push_back({at, "engine.io_threads",
                      "changed from " + std::to_string(now.io_threads) + " to " +
                          std::to_string(next.engine.io_threads) +
                          ", which cannot be applied to a running engine; restart sluice to apply it"});
  }
  // Both belong to the process, not to a pipeline: the registry every series lives in, and the
  // admin endpoint that is serving this very reload.
  if (next.engine.metrics != now.metrics) {
    errors.push_back({at, "engine.metrics",
                      std::string("changed from ") + (now.metrics ? "true" : "false") + " to " +
                          (next.engine.metrics ? "true" : "false") +
                          ", which cannot be applied to a running engine; restart sluice to apply it"});
  }
  if (next.engine.admin_listen != now.admin_listen) {
    errors.push_back({at, "engine.admin.listen",
                      "changed from '" + now.admin_listen + "' to '" + next.engine.admin_listen +
                          "', which cannot be applied to a running engine; restart sluice to apply it"});
  }
  if (next.engine.shutdown_timeout != now.shutdown_timeout) {
    errors.push_back({at, "engine.shutdown_timeout",
                      "changed from " + ms_text(now.shutdown_timeout) + " to " + ms_text(next.engine.shutdown_timeout) +
                          ", which cannot be applied to a running engine; restart sluice to apply it"});
  }
}

}  // namespace

ReloadReport Engine::reload(const config::Config& next, const plugins::PluginRegistry& registry) {
  std::lock_guard reloading(reload_mutex_);  // one reload at a time; wait() tears down outside one
  ReloadReport report;
  const auto refuse = [&](std::string message) {
    report.ok = false;
    report.errors.push_back({{next.file, 0, 0}, "", std::move(message)});
    return report;
  };
  Units current;
  {
    std::lock_guard lock(mutex_);
    if (torn_down_ || stop_deadline_ || stop_deferred_) return refuse("the engine is stopping; nothing was reloaded");
    if (!started_ || starting_) return refuse("the engine is still starting; nothing was reloaded");
    current = units_;
  }
  check_engine_settings(settings_, next, report.errors);
  if (!report.errors.empty()) {
    report.ok = false;
    return report;
  }

  // The diff, in the new file's order.
  std::map<std::string, std::shared_ptr<Unit>> by_name;
  for (const auto& u : current) by_name[u->name] = u;
  const auto identity = [&registry](ComponentKind kind, const std::string& type) {
    const plugins::ComponentEntry* e = registry.find(kind, type);
    return e ? e->library->identity() : std::string();
  };
  Units next_units, fresh, retiring;
  std::vector<config::Diagnostic> errors;
  for (const auto& p : next.pipelines) {
    if (!wanted(p.name)) continue;
    auto old = by_name.find(p.name);
    if (old != by_name.end() && old->second->hash == config::pipeline_config_hash(p, identity)) {
      report.unchanged.push_back(p.name);
      next_units.push_back(old->second);
      by_name.erase(old);
      continue;
    }
    (old != by_name.end() ? report.changed : report.added).push_back(p.name);
    if (old != by_name.end()) {
      retiring.push_back(old->second);
      by_name.erase(old);
    }
    // Made while the old one runs: a factory's refusal (a port taken by another program, a
    // resource only one component may hold, such as an inproc channel's reader) refuses the
    // reload before anything changed.
    auto unit = build_unit(p, registry, errors);
    if (unit) {
      fresh.push_back(unit);
      next_units.push_back(unit);
    }
  }
  for (auto& [name, unit] : by_name) {
    report.removed.push_back(name);
    retiring.push_back(unit);
  }
  if (!errors.empty()) {
    fresh.clear();  // made, never started: destroyed as they are, the old ones run on
    report = ReloadReport{};
    report.ok = false;
    report.errors = std::move(errors);
    return report;
  }

  // Started before the old ones stop: a listener of the new pipeline (SO_REUSEPORT) takes
  // connections before the old one closes, and an inproc reader never sees its writers drop to
  // none (the new inproc sink joined the channel when it was made).
  start_units(fresh);
  if (std::any_of(fresh.begin(), fresh.end(), [](const auto& u) { return u->pipeline->failed(); })) {
    log_.error("reload: a component of the new configuration failed to start; the running pipelines stay");
    for (auto& u : fresh) u->pipeline->request_stop(std::chrono::steady_clock::now() + shutdown_timeout_);
    teardown_units(fresh);
    return refuse("a component of the new configuration failed to start (see the log); nothing was reloaded");
  }

  std::optional<Deadline> stopping;
  {
    std::lock_guard lock(mutex_);
    units_ = next_units;
    stopping = stop_deadline_;
  }
  // The old pipelines' gauges go before the new ones' come: the same series written by both at
  // once would make /metrics refuse to render.
  if (auto& registry = options_.metrics) {
    for (auto& u : retiring) u->pipeline->withdraw_gauges();
    for (auto& u : fresh) u->pipeline->publish_gauges(*registry);
  }
  // A stop asked for while the new pipelines started did not see them: they stop now too.
  if (stopping) {
    for (auto& u : fresh) u->pipeline->request_stop(*stopping);
  }
  changed_.notify_all();

  // Drain what leaves, the way a shutdown does: every source at once (a chain fed in-process
  // closes upstream first), then wait for them all, then tear down in the thread model's order.
  const Deadline deadline = std::chrono::steady_clock::now() + shutdown_timeout_;
  for (auto& u : retiring) u->pipeline->request_stop(deadline);
  {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] {
      return std::all_of(retiring.begin(), retiring.end(), [](const auto& u) { return u->pipeline->finished(); });
    });
  }
  for (auto& u : retiring) {
    if (!u->pipeline->finished()) report.drain_timed_out.push_back(u->name);
  }
  if (!report.drain_timed_out.empty()) {
    log_.error("reload: shutdown deadline passed while draining ", report.drain_timed_out.size(),
               " pipeline(s); what they still held is nacked");
  }
  teardown_units(retiring);
  log_.info("reload applied: ", report.summary());
  return report;
}

}  // namespace sluice::runtime
