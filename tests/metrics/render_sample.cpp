// Prints the registry's render after a finite run of real plugins (generator -> inproc ->
// inproc -> drop, two pipelines), for prometheus_text_check.py to parse with the reference
// parser. Usage: metrics_render_sample <plugin folder> <events>

#include <iostream>
#include <string>

#include "config/config_loader.hpp"
#include "metrics/registry.hpp"
#include "plugins/plugin_registry.hpp"
#include "runtime/engine.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: metrics_render_sample <plugin folder> <events>\n";
    return 2;
  }
  sluice::plugins::PluginRegistry plugins;
  plugins.scan({argv[1]});
  const std::string n = argv[2];
  const std::string yaml =
      "pipelines:\n"
      "  front:\n"
      "    source: {type: generator, count: " +
      n +
      ", batch_size: 7, payload: '{\"n\":1}'}\n"
      "    sinks: [{type: inproc, channel: x}]\n"
      "  back:\n"
      "    source: {type: inproc, channel: x}\n"
      "    sinks: [{type: drop}]\n";
  auto registry = std::make_shared<sluice::metrics::Registry>();
  sluice::runtime::EngineOptions options;
  options.metrics = registry;
  int code = 0;
  try {
    const auto config = sluice::config::load_config_string(yaml, "sample.yaml", plugins);
    sluice::runtime::Engine engine(config, plugins, options);
    code = engine.run();
    // After run() the pipelines are gone (no gauges) but their counters stay, as across a reload.
  } catch (const std::exception& e) {
    std::cerr << "metrics_render_sample: " << e.what() << "\n";
    return 1;
  }
  std::cout << registry->render();
  return code;
}
