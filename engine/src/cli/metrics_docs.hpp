#pragma once
// The README's metrics reference (`sluice plugins --metrics-markdown`): the engine's own metrics
// (metrics/engine_metrics.hpp) and those each plugin declares in its ComponentSpec::metrics. Like
// the plugin reference, generated from the code, never written by hand.

#include <string>

#include "plugins/plugin_registry.hpp"

namespace sluice::cli {

std::string metrics_reference_markdown(const plugins::PluginRegistry& registry);

}  // namespace sluice::cli
