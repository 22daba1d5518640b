#pragma once
// Human-readable views of option tables: `sluice plugins --describe` and the README's plugin
// reference (`sluice plugins --markdown`). Both come from the tables, never written by hand.

#include <string>

#include "plugins/plugin_registry.hpp"

namespace sluice::cli {

std::string describe_component(const plugins::ComponentEntry& entry);
std::string plugin_reference_markdown(const plugins::PluginRegistry& registry);

}  // namespace sluice::cli
