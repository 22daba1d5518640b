// sluice: runs the event pipelines a YAML file describes, with components loaded from plugins.

#include <sys/resource.h>

#include <iostream>
#include <stdexcept>

#include "cli/cli_args.hpp"
#include "cli/commands.hpp"
#include "cli/new_plugin.hpp"
#include "config/suggest.hpp"
#include "sluice/log.hpp"

namespace {

// Every connection is a file descriptor, and the usual soft limit (1024) is far below what a
// listener with max_connections 1024 plus its plugins' own files needs; the hard limit is what the
// administrator allows. Raising the soft limit needs no privilege.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  const sluice::Logger log("sluice");
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    log.debug("open file limit raised to ", limit.rlim_cur);
  } else {
    log.debug("open file limit not raised; it stays as it was");
  }
}

int run(const sluice::cli::CliArgs& args);

}  // namespace

int main(int argc, char** argv) {
  using namespace sluice::cli;
  CliArgs args;
  try {
    args = parse_args(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "sluice: " << e.what() << "\n\n" << kUsage;
    return 2;
  }
  sluice::LogLevel level;
  if (!sluice::parse_log_level(args.log_level, level)) {
    std::cerr << "sluice: unknown log level '" << args.log_level
              << "'; expected trace, debug, info, warn, error or off\n";
    return 2;
  }
  sluice::Logger::set_level(level);
  raise_open_file_limit();
  const int status = run(args);
  sluice::Logger::flush_suppressed();
  return status;
}

namespace {

int run(const sluice::cli::CliArgs& args) {
  using namespace sluice::cli;
  try {
    if (args.command == "run") return run_command(args);
    if (args.command == "validate") return validate_command(args);
    if (args.command == "plugins") return plugins_command(args);
    if (args.command == "new-plugin") return new_plugin_command(args);
    if (args.command == "test") return test_command(args);
    if (args.command == "version") return version_command();
    if (args.command == "help") {
      std::cout << kUsage;
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "sluice: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "sluice: unknown command '" << args.command << "'"
            << sluice::config::did_you_mean(args.command,
                                            {"run", "validate", "test", "plugins", "new-plugin", "version"})
            << "\n\n"
            << kUsage;
  return 2;
}

}  // namespace
