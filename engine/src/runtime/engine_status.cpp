// Engine::status() and what it reports: kept apart from engine.cpp, which holds the lifecycle.
#include "config/config_hash.hpp"
#include "runtime/engine.hpp"

namespace sluice::runtime {

PipelineDescription describe_pipeline(const config::PipelineConfig& p) {
  PipelineDescription d{p.name, config::pipeline_config_hash(p), {}};
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
  // Under the engine's lock: teardown() takes it before it destroys anything, so no component is
  // asked about after it is gone. Sink::ready() is called from any thread by contract and is cheap.
  std::lock_guard lock(mutex_);
  std::vector<PipelineStatus> out;
  for (std::size_t i = 0; i < described_.size(); ++i) {
    PipelineStatus s;
    s.description = described_[i];
    if (torn_down_ || i >= pipelines_.size()) {
      s.state = "stopped";
      out.push_back(std::move(s));
      continue;
    }
    const Pipeline& p = *pipelines_[i];
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
