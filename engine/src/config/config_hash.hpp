#pragma once
// A pipeline's identity for a reload: two configs of a pipeline with the same hash run the same
// components with the same options from the same library builds, so a reload leaves that pipeline
// running untouched; any other difference restarts it.

#include <functional>
#include <string>

#include "config/config_model.hpp"

namespace sluice::config {

// Names the build of the library that provides a component type ("" when unknown); the engine
// answers with PluginLibrary::identity(), so a .so replaced on disk counts as a change.
using LibraryIdentity = std::function<std::string(ComponentKind, const std::string& type)>;

// The canonical text of a resolved pipeline (after ${ENV}; length-prefixed bytes, not for people):
// its name, settings, and every
// component's slot, type, label, options (defaults included, in name order) and library identity.
// Source locations are left out: moving a pipeline within the file changes nothing.
std::string pipeline_config_text(const PipelineConfig& pipeline, const LibraryIdentity& library = {});

// A short hex digest (FNV-1a, 64 bits) of pipeline_config_text: for logs and /pipelines. Equal
// texts give equal hashes; the reload compares the hashes.
std::string pipeline_config_hash(const PipelineConfig& pipeline, const LibraryIdentity& library = {});

}  // namespace sluice::config
