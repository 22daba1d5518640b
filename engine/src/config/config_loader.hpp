#pragma once
// Reads a pipeline file and checks it completely against the known components before anything
// runs. All problems are collected and thrown together as ConfigErrors.

#include <string>

#include "config/component_catalog.hpp"
#include "config/config_model.hpp"
#include "config/env_interpolation.hpp"

namespace sluice::config {

// Throws ConfigErrors (with file:line:column) for every problem found, or when the file cannot be read.
Config load_config_file(const std::string& path, const ComponentCatalog& catalog,
                        const EnvLookup& env = process_environment());

// The same for YAML held in memory; `file` names it in messages.
Config load_config_string(const std::string& yaml, const std::string& file, const ComponentCatalog& catalog,
                          const EnvLookup& env = process_environment());

}  // namespace sluice::config
