#include "generator_source.hpp"

SLUICE_PLUGIN("generator", "Synthetic events for demos, tests and benchmarks") {
  manifest.add(sluice::source_component<sluice::generator::GeneratorSource>(
      "generator", "Makes events from a payload template at a given rate, optionally a fixed count.",
      sluice::generator::generator_options()));
}
