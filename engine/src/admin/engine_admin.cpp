#include "admin/engine_admin.hpp"

namespace sluice::admin {

using nlohmann::json;

Readiness readiness(const std::vector<runtime::PipelineStatus>& status) {
  Readiness r;
  r.ready = !status.empty();
  json not_ready = json::array();
  json states = json::object();
  for (const auto& s : status) {
    states[s.description.name] = s.state;
    if (s.state == "running" && s.sinks_ready) continue;
    r.ready = false;
    json item = {{"pipeline", s.description.name}, {"state", s.state}};
    if (!s.sinks_ready) item["sinks"] = s.not_ready;
    not_ready.push_back(std::move(item));
  }
  r.body = {{"status", r.ready ? "ready" : "not ready"}, {"pipelines", std::move(states)}};
  if (!r.ready) r.body["not_ready"] = std::move(not_ready);
  return r;
}

json pipelines_json(const std::vector<runtime::PipelineStatus>& status) {
  json list = json::array();
  for (const auto& s : status) {
    const auto& st = s.stats;
    json components = json::array();
    for (const auto& c : s.description.components) {
      json item = {{"label", c.label}, {"kind", c.kind}, {"type", c.type}};
      // What the pipeline counts per component: the source's events, and what each sink was handed
      // (every sink gets every event that passed the transforms). A dead-letter sink's count is the
      // pipeline's dead_lettered.
      if (c.kind == "source") item["received_events"] = st.events_in;
      if (c.kind == "sink" && c.label.rfind("sinks[", 0) == 0) item["received_events"] = st.events_to_sinks;
      components.push_back(std::move(item));
    }
    json item = {{"name", s.description.name},
                 {"state", s.state},
                 {"config_hash", s.description.config_hash},
                 {"ready", s.state == "running" && s.sinks_ready},
                 {"counts",
                  {{"received", st.events_in},
                   {"to_sinks", st.events_to_sinks},
                   {"rejected", st.events_rejected},
                   {"dropped", st.events_dropped},
                   {"dead_lettered", st.events_dead_lettered},
                   {"batches", st.batches},
                   {"queue_high_water", st.queue_high_water}}},
                 {"components", std::move(components)}};
    if (!s.sinks_ready) item["not_ready"] = s.not_ready;
    list.push_back(std::move(item));
  }
  return {{"pipelines", std::move(list)}};
}

void serve_engine_status(AdminHandlers& handlers, const runtime::Engine& engine) {
  handlers.ready = [&engine] { return readiness(engine.status()); };
  handlers.pipelines = [&engine] { return pipelines_json(engine.status()); };
}

}  // namespace sluice::admin
