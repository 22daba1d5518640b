#pragma once
// A short fingerprint of one pipeline's resolved configuration (after ${ENV} and defaults): the
// same text gives the same hash, any change to a setting, a component's type, label or option
// gives another. Shown by the admin endpoint's GET /pipelines so an operator can tell which
// configuration a pipeline runs, and usable by a reload to tell unchanged pipelines from changed.

#include <string>

#include "config/config_model.hpp"

namespace sluice::config {

// 16 lowercase hex digits (64-bit FNV-1a over a canonical text of the pipeline). Not a security
// hash: it tells configurations apart, it does not authenticate them.
std::string pipeline_config_hash(const PipelineConfig& pipeline);

}  // namespace sluice::config
