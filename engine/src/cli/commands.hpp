#pragma once
// One function per CLI command; each returns the process exit code.

#include "cli/cli_args.hpp"

namespace sluice::cli {

int run_command(const CliArgs& args);
int validate_command(const CliArgs& args);
int plugins_command(const CliArgs& args);
int version_command();

}  // namespace sluice::cli
