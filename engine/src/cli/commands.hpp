#pragma once
// One function per CLI command; each returns the process exit code.

#include "cli/cli_args.hpp"
#include "plugins/plugin_registry.hpp"

namespace sluice::cli {

int run_command(const CliArgs& args);
int validate_command(const CliArgs& args);
int plugins_command(const CliArgs& args);
int version_command();
int test_command(const CliArgs& args);  // cli/test_command.cpp

// Every plugin on the search path (--plugin-dir, SLUICE_PLUGIN_PATH, beside the executable);
// libraries refused are logged as warnings, not fatal.
plugins::PluginRegistry load_plugins(const CliArgs& args);

}  // namespace sluice::cli
