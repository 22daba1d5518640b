#pragma once
// Checks one YAML mapping against an OptionTable: unknown keys (with the closest name), types,
// ranges, choices, required options; fills in defaults. Every problem becomes a Diagnostic.

#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config_model.hpp"
#include "config/env_interpolation.hpp"

namespace sluice::config {

struct ValidationScope {
  std::string file;
  std::string where;  // "pipeline 'demo', source 'generator'"
  const EnvLookup* env = nullptr;
  std::vector<Diagnostic>* diagnostics = nullptr;

  SourceLocation at(const YAML::Node& node) const;
  void error(const YAML::Node& node, std::string message) const;
};

struct ValidatedOptions {
  Options options;
  std::map<std::string, SourceLocation> option_at;
  // Every option can be read: each required one is there (a refused value reads as its default).
  // Then the component's check step may run. Unknown keys do not change this.
  bool readable = true;
  // Options whose value was refused (reported already); they read as their default.
  std::set<std::string> refused;
};

// `map` must be a YAML mapping; keys listed in `reserved` are checked elsewhere and skipped here.
ValidatedOptions validate_options(const OptionTable& table, const YAML::Node& map,
                                  const std::set<std::string>& reserved, const ValidationScope& scope);

// A scalar's text with ${ENV} references replaced; nullopt (and a diagnostic) on failure.
// Every scalar the loader reads goes through it: option values, `type`, pipeline names. Keys
// (option names, `source`, `sinks`...) are the file's structure and are never replaced.
std::optional<std::string> scalar_text(const YAML::Node& node, const ValidationScope& scope);

// For a key the file does not allow: when it holds a ${...} reference, says where those are
// replaced (a user who wrote one expected it to be); otherwise "".
std::string env_in_key_hint(const std::string& key);

}  // namespace sluice::config
