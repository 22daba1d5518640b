// Engine::status() and what it reports: kept apart from engine.cpp, which holds the lifecycle.
#include <utility>

#include "runtime/engine.hpp"
#include "runtime/engine_unit.hpp"

namespace sluice::runtime {

PipelineDescription describe_pipeline(const config::PipelineConfig& p, std::string config_hash) {
  PipelineDescription d{p.name, std::move(config_hash), {}};
  const auto add = [&d](const config::ComponentConfig& c) {
    d.components.push_back({c.label, component_kind_name(c.kind), c.type});
  };
  add(p.source);
  for (const auto& t : p.transforms) add(t);
  for (const auto& s : p.sinks) add(s);
  if (p.dead_letter.enabled) add(p.dead_letter.sink);
  return d;
}

std::vector<PipelineStatus> Engine::status() const {
  // Under the engine's lock: a unit leaves units_ under it before it is torn down (teardown(), a
  // reload retiring it), so no component is asked about after it is gone. Sink::ready() is called
  // from any thread by contract and is cheap.
  std::lock_guard lock(mutex_);
  std::vector<PipelineStatus> out;
  for (const auto& d : stopped_) {
    PipelineStatus s;
    s.description = d;
    s.state = "stopped";
    out.push_back(std::move(s));
  }
  for (const auto& u : units_) {
    PipelineStatus s;
    s.description = u->description;
    const Pipeline& p = *u->pipeline;
    if (p.failed()) {
      s.state = "failed";
    } else if (p.finished()) {
      s.state = "stopped";
    } else if (stop_deadline_) {
      s.state = "stopping";
    } else if (!started_ || starting_) {
      s.state = "starting";
    } else {
      s.state = "running";
    }
    s.sinks_ready = p.sinks_ready(s.not_ready);
    s.stats = p.stats();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sluice::runtime
