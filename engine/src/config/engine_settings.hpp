#pragma once
// Option tables for the settings the engine itself owns: the top-level `engine:` block and the
// per-pipeline keys beside source/transforms/sinks. Declared like a plugin's options, so they are
// checked and documented the same way.

#include "config/config_model.hpp"
#include "sluice/options.hpp"

namespace sluice::config {

const OptionTable& engine_settings_table();
const OptionTable& pipeline_settings_table();
// The options of a pipeline's `dead_letter:` block, beside its `sink:`.
const OptionTable& dead_letter_settings_table();
// The options of the `engine.admin:` block: the engine's own HTTP endpoint (engine/src/admin/).
const OptionTable& admin_settings_table();

EngineSettings engine_settings_from(const Options& options);
PipelineSettings pipeline_settings_from(const Options& options);

}  // namespace sluice::config
