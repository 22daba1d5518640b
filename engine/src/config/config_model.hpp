#pragma once
// A checked pipeline file: every option typed, defaulted and located.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "sluice/options.hpp"
#include "sluice/plugin.hpp"

namespace sluice::config {

struct ComponentConfig {
  ComponentKind kind = ComponentKind::source;
  std::string type;
  std::string label;  // "source generator", "sinks[1] stdout": how logs and errors name it
  std::string slot;   // "source", "transforms[0]", "sinks[1]", "dead_letter"
  SourceLocation at;
  Options options;
  std::map<std::string, SourceLocation> option_at;  // where each user-given option was written
  // The type is known and every option can be read, so the component's check step may run.
  bool checkable = false;
  // Options whose value its table refused (reported already): they read as their default, and
  // the check step's errors about them are not reported a second time.
  std::set<std::string> refused_options;
};

// Engine-owned settings of one pipeline (see engine_settings.cpp for meanings and defaults).
struct PipelineSettings {
  std::int64_t queue_capacity = 0;
  std::int64_t batch_max_events = 0;
  Duration batch_max_wait{0};
  std::int64_t sink_max_in_flight = 0;
};

// The pipeline's `dead_letter:` block: where events go that will never be delivered (a transform
// rejected them, a sink refused them for good, or a source gave up retrying them).
struct DeadLetterConfig {
  bool enabled = false;
  // Also dead-letter the events of a source whose emits are requests (http), which are answered
  // 400 whatever happens; off by default, since the client already got its answer.
  bool include_refused_requests = false;
  ComponentConfig sink;
};

struct PipelineConfig {
  std::string name;
  SourceLocation at;
  PipelineSettings settings;
  ComponentConfig source;
  std::vector<ComponentConfig> transforms;
  std::vector<ComponentConfig> sinks;
  DeadLetterConfig dead_letter;
};

struct EngineSettings {
  std::int64_t io_threads = 0;
  Duration shutdown_timeout{0};
  // `engine.admin.listen`: where the admin endpoint (engine/src/admin/) listens; "" = off.
  std::string admin_listen = "127.0.0.1:9600";
  // Written in the file (not the default): a port in use is then an error, not a fallback.
  bool admin_listen_given = false;
  bool metrics = true;  // engine.metrics
};

struct Config {
  std::string file;
  EngineSettings engine;
  std::vector<PipelineConfig> pipelines;
};

}  // namespace sluice::config
