#include "config/config_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "config/component_checks.hpp"
#include "config/engine_settings.hpp"
#include "config/option_validation.hpp"
#include "config/suggest.hpp"

namespace sluice::config {
namespace {

constexpr const char* kPipelinesKey = "pipelines";
constexpr const char* kEngineKey = "engine";
constexpr const char* kAdminKey = "admin";
constexpr const char* kSourceKey = "source";
constexpr const char* kTransformsKey = "transforms";
constexpr const char* kSinksKey = "sinks";
constexpr const char* kTypeKey = "type";
constexpr const char* kDeadLetterKey = "dead_letter";
constexpr const char* kDeadLetterSinkKey = "sink";

const std::set<std::string> kPipelineReserved = {kSourceKey, kTransformsKey, kSinksKey, kDeadLetterKey};
const std::set<std::string> kComponentReserved = {kTypeKey};

class Loader {
 public:
  Loader(std::string file, const ComponentCatalog& catalog, const EnvLookup& env) : catalog_(catalog), env_(env) {
    config_.file = std::move(file);
  }

  Config load(const YAML::Node& root) {
    ValidationScope scope = scope_for("");
    if (!root.IsMap()) {
      scope.error(root, std::string("expected a mapping with a '") + kPipelinesKey +
                            "' key at the top of the file, got " +
                            (root.IsNull() ? "an empty document" : "something else"));
      finish();
    }
    check_top_level_keys(root, scope);

    const YAML::Node engine = root[kEngineKey];
    YAML::Node engine_map = engine && engine.IsMap() ? engine : YAML::Node(YAML::NodeType::Map);
    if (engine && !engine.IsMap()) scope.error(engine, "'engine' must be a mapping of engine settings");
    config_.engine = engine_settings_from(
        validate_options(engine_settings_table(), engine_map, {kAdminKey}, scope_for("engine")).options);
    load_admin(engine_map[kAdminKey]);

    const YAML::Node pipelines = root[kPipelinesKey];
    if (!pipelines) {
      scope.error(root, "missing 'pipelines': the file must define at least one pipeline");
    } else if (!pipelines.IsMap() || pipelines.size() == 0) {
      scope.error(pipelines, "'pipelines' must map pipeline names to pipelines, with at least one entry");
    } else {
      std::set<std::string> names;
      for (const auto& kv : pipelines) {
        const auto interpolated = scalar_text(kv.first, scope);  // a pipeline's name may come from ${VAR}
        if (!interpolated) continue;
        const std::string& name = *interpolated;
        if (!names.insert(name).second) {
          scope.error(kv.first, "duplicate pipeline name '" + name + "'");
          continue;
        }
        load_pipeline(name, kv.first, kv.second);
      }
    }
    // The components' own checks, once every option is typed: what `run` would refuse, found
    // without creating anything.
    run_component_checks(config_, catalog_, diagnostics_);
    finish();
    return std::move(config_);
  }

  [[noreturn]] void fail_with_parse_error(const YAML::Exception& e) {
    diagnostics_.push_back(
        {{config_.file, std::max(e.mark.line, 0) + 1, std::max(e.mark.column, 0) + 1}, "", "invalid YAML: " + e.msg});
    throw ConfigErrors(std::move(diagnostics_));
  }

 private:
  ValidationScope scope_for(std::string where) {
    return ValidationScope{config_.file, std::move(where), &env_, &diagnostics_};
  }

  // Reports in the order of the file, so the list reads top to bottom like the file does.
  void finish() {
    if (diagnostics_.empty()) return;
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::tie(a.at.line, a.at.column) < std::tie(b.at.line, b.at.column);
    });
    throw ConfigErrors(std::move(diagnostics_));
  }

  void check_top_level_keys(const YAML::Node& root, const ValidationScope& scope) {
    const std::vector<std::string> known = {kPipelinesKey, kEngineKey};
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (key != kPipelinesKey && key != kEngineKey) {
        scope.error(kv.first, "unknown top-level key '" + key + "'" + did_you_mean(key, known) +
                                  "; expected 'pipelines' and optionally 'engine'" + env_in_key_hint(key));
      }
    }
  }

  // `engine.admin:`, a block of its own so that more admin settings can join `listen` later.
  void load_admin(const YAML::Node& node) {
    if (!node) return;
    ValidationScope scope = scope_for("engine.admin");
    if (!node.IsMap()) {
      scope.error(node, "'admin' must be a mapping, e.g. admin: {listen: \"127.0.0.1:9600\"}");
      return;
    }
    // The address itself is parsed where the endpoint opens (admin/admin_server.cpp), by the
    // parser every `listen` option uses; a bad one stops `run` before anything starts.
    config_.engine.admin_listen =
        validate_options(admin_settings_table(), node, {}, scope).options.get_string("listen");
    config_.engine.admin_listen_given = static_cast<bool>(node["listen"]);
  }

  void load_pipeline(const std::string& name, const YAML::Node& key, const YAML::Node& node) {
    const std::string where = "pipeline '" + name + "'";
    ValidationScope scope = scope_for(where);
    PipelineConfig pipeline;
    pipeline.name = name;
    pipeline.at = scope.at(key);
    if (!node.IsMap()) {
      scope.error(node.IsNull() ? key : node, "a pipeline must be a mapping with 'source' and 'sinks'");
      return;
    }
    pipeline.settings =
        pipeline_settings_from(validate_options(pipeline_settings_table(), node, kPipelineReserved, scope).options);

    const YAML::Node source = node[kSourceKey];
    if (!source) {
      scope.error(key, "missing 'source': every pipeline needs exactly one source");
    } else {
      pipeline.source = load_component(ComponentKind::source, name, "source", source);
    }

    if (const YAML::Node transforms = node[kTransformsKey]) {
      if (transforms.IsSequence()) {
        for (std::size_t i = 0; i < transforms.size(); ++i) {
          pipeline.transforms.push_back(
              load_component(ComponentKind::transform, name, "transforms[" + std::to_string(i) + "]", transforms[i]));
        }
      } else if (!transforms.IsNull()) {
        scope.error(transforms, "'transforms' must be a list of components, each with a 'type'");
      }
    }

    const YAML::Node sinks = node[kSinksKey];
    if (!sinks) {
      scope.error(key, "missing 'sinks': every pipeline needs at least one sink");
    } else if (!sinks.IsSequence() || sinks.size() == 0) {
      scope.error(sinks, "'sinks' must be a list with at least one component, each with a 'type'");
    } else {
      for (std::size_t i = 0; i < sinks.size(); ++i) {
        pipeline.sinks.push_back(
            load_component(ComponentKind::sink, name, "sinks[" + std::to_string(i) + "]", sinks[i]));
      }
    }
    if (const YAML::Node dead_letter = node[kDeadLetterKey]) load_dead_letter(name, dead_letter, pipeline, scope);
    config_.pipelines.push_back(std::move(pipeline));
  }

  // dead_letter: {sink: {type: ..., ...}, include_refused_requests: false}
  void load_dead_letter(const std::string& name, const YAML::Node& node, PipelineConfig& pipeline,
                        const ValidationScope& pipeline_scope) {
    if (!node.IsMap()) {
      pipeline_scope.error(node,
                           "'dead_letter' must be a mapping with a 'sink' (a sink configuration with its 'type') "
                           "and optionally 'include_refused_requests'");
      return;
    }
    ValidationScope scope = scope_for("pipeline '" + name + "', dead_letter");
    const auto settings = validate_options(dead_letter_settings_table(), node, {kDeadLetterSinkKey}, scope).options;
    const YAML::Node sink = node[kDeadLetterSinkKey];
    if (!sink) {
      scope.error(node, "missing 'sink': the sink dead letters go to, e.g. sink: {type: kafka, topic: clicks-dlq}");
      return;
    }
    pipeline.dead_letter.enabled = true;
    pipeline.dead_letter.include_refused_requests = settings.get_bool("include_refused_requests");
    pipeline.dead_letter.sink = load_component(ComponentKind::sink, name, "dead_letter", sink);
  }

  ComponentConfig load_component(ComponentKind kind, const std::string& pipeline, const std::string& slot,
                                 const YAML::Node& node) {
    ComponentConfig component;
    component.kind = kind;
    component.label = slot;
    component.slot = slot;
    ValidationScope scope = scope_for("pipeline '" + pipeline + "', " + slot);
    component.at = scope.at(node);
    if (!node.IsMap()) {
      scope.error(node,
                  std::string("a ") + component_kind_name(kind) + " must be a mapping with a 'type', got " +
                      (node.IsNull() ? "nothing" : "a " + std::string(node.IsSequence() ? "list" : "single value")));
      return component;
    }
    const YAML::Node type_node = node[kTypeKey];
    if (!type_node || !type_node.IsScalar()) {
      scope.error(node, std::string("missing 'type': which ") + component_kind_name(kind) + " plugin to use; known " +
                            component_kind_name(kind) + "s: " + join_names(catalog_.component_types(kind)));
      return component;
    }
    const auto type = scalar_text(type_node, scope);  // `type: ${SINK:-stdout}` picks a plugin at start-up
    if (!type) return component;
    component.type = *type;
    component.label = slot + " " + component.type;
    const ComponentSpec* spec = catalog_.find_component(kind, component.type);
    if (!spec) {
      report_unknown_type(kind, component.type, type_node, scope);
      return component;
    }
    scope.where = component_where(pipeline, component);
    auto validated = validate_options(spec->options, node, kComponentReserved, scope);
    component.options = std::move(validated.options);
    component.option_at = std::move(validated.option_at);
    component.checkable = validated.readable;
    component.refused_options = std::move(validated.refused);
    return component;
  }

  void report_unknown_type(ComponentKind kind, const std::string& type, const YAML::Node& at,
                           const ValidationScope& scope) {
    const char* kind_name = component_kind_name(kind);
    // A type that came from ${VAR} names its reference too: the file does not show the value.
    const std::string written = at.Scalar() == type ? "" : " (from '" + at.Scalar() + "')";
    // Right name, wrong place: "stdout" used as a source.
    for (ComponentKind other : {ComponentKind::source, ComponentKind::transform, ComponentKind::sink}) {
      if (other != kind && catalog_.find_component(other, type)) {
        scope.error(at, "'" + type + "'" + written + " is a " + component_kind_name(other) + ", not a " + kind_name +
                            "; known " + kind_name + "s: " + join_names(catalog_.component_types(kind)));
        return;
      }
    }
    const auto known = catalog_.component_types(kind);
    scope.error(at, std::string("unknown ") + kind_name + " type '" + type + "'" + written + did_you_mean(type, known) +
                        "; known " + kind_name + "s: " + join_names(known) +
                        " (a plugin's .so must be in a plugin folder: see `sluice plugins`)");
  }

  const ComponentCatalog& catalog_;
  const EnvLookup& env_;
  Config config_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace

Config load_config_string(const std::string& yaml, const std::string& file, const ComponentCatalog& catalog,
                          const EnvLookup& env) {
  Loader loader(file, catalog, env);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    loader.fail_with_parse_error(e);
  }
  return loader.load(root);
}

Config load_config_file(const std::string& path, const ComponentCatalog& catalog, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigErrors(
        {Diagnostic{{path, 0, 0}, "", "cannot read the pipeline file: " + std::string(std::strerror(errno))}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_config_string(text.str(), path, catalog, env);
}

}  // namespace sluice::config
