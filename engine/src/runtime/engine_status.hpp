#pragma once
// What the engine tells about its pipelines while it runs, for the admin endpoint (GET /ready,
// GET /pipelines): read-only, from any thread.

#include <string>
#include <vector>

#include "config/config_model.hpp"
#include "runtime/pipeline.hpp"

namespace sluice::runtime {

struct ComponentDescription {
  std::string label;  // "source http", "sinks[0] kafka": as logs name it
  std::string kind;   // source, transform, sink
  std::string type;
};

// Taken from the configuration when the pipeline is built.
struct PipelineDescription {
  std::string name;
  std::string config_hash;  // config::pipeline_config_hash
  std::vector<ComponentDescription> components;
};
// `config_hash`: the one the engine compares on reload (config/config_hash.hpp, library builds included).
PipelineDescription describe_pipeline(const config::PipelineConfig& pipeline, std::string config_hash);

struct PipelineStatus {
  PipelineDescription description;
  // starting, running, stopping, stopped (its source ended, or the engine stopped), failed
  std::string state;
  bool sinks_ready = false;
  std::string not_ready;  // the sinks that are not, with their reasons
  PipelineStats stats;
};

}  // namespace sluice::runtime
