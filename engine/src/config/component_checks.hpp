#pragma once
// Runs every component's check step (ComponentSpec::validate, see sluice/validation.hpp) over a
// loaded file, before anything is created: what a component would refuse in `run`, `validate`
// reports too, at the option's line and column. Claims of shared resources (an inproc channel's
// reader, a TCP port) are compared across every pipeline of the file.

#include <vector>

#include "config/component_catalog.hpp"
#include "config/config_model.hpp"
#include "config/diagnostics.hpp"

namespace sluice::config {

// Appends one Diagnostic per problem found. Components that are not `checkable` (unknown type, a
// required option missing) are skipped: their problems are reported already. A check runs even
// when some values were refused (they read as their defaults), so that one pass reports every
// problem; its errors about a refused option are dropped.
void run_component_checks(const Config& config, const ComponentCatalog& catalog, std::vector<Diagnostic>& out);

// "pipeline 'demo', source (generator)": how a component is named in diagnostics.
std::string component_where(const std::string& pipeline, const ComponentConfig& component);

}  // namespace sluice::config
