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
};

// `map` must be a YAML mapping; keys listed in `reserved` are checked elsewhere and skipped here.
ValidatedOptions validate_options(const OptionTable& table, const YAML::Node& map, const std::set<std::string>& reserved,
                                  const ValidationScope& scope);

// A scalar's text with ${ENV} references replaced; nullopt (and a diagnostic) on failure.
std::optional<std::string> scalar_text(const YAML::Node& node, const ValidationScope& scope);

}  // namespace sluice::config
