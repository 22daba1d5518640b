#pragma once
// What the config loader needs to know about plugins: which component types exist and their
// option tables. The plugin registry implements it; tests may implement it directly.

#include <string>
#include <vector>

#include "sluice/plugin.hpp"

namespace sluice::config {

class ComponentCatalog {
 public:
  virtual ~ComponentCatalog() = default;
  virtual const ComponentSpec* find_component(ComponentKind kind, const std::string& type) const = 0;
  virtual std::vector<std::string> component_types(ComponentKind kind) const = 0;
};

}  // namespace sluice::config
