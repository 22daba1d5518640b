#pragma once
// Builds an engine from a YAML string with the test registry, as `sluice run` would from a file.

#include <memory>
#include <string>

#include "config/config_loader.hpp"
#include "runtime/engine.hpp"
#include "test_components.hpp"

namespace sluice::test {

inline std::unique_ptr<runtime::Engine> make_engine(const std::string& yaml, runtime::EngineOptions options = {}) {
  auto config = config::load_config_string(yaml, "test.yaml", test_registry());
  return std::make_unique<runtime::Engine>(config, test_registry(), std::move(options));
}

}  // namespace sluice::test
