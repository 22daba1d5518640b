#pragma once
// `sluice new-plugin NAME --kind source|transform|sink [DIR]`: writes a plugin folder that builds
// against the installed SDK (find_package(Sluice)) and passes its own test as written.

#include "cli/cli_args.hpp"

namespace sluice::cli {

int new_plugin_command(const CliArgs& args);

}  // namespace sluice::cli
