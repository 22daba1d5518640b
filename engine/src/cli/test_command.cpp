// `sluice test PATH...`: see testing/test_runner.hpp.

#include <iostream>

#include "cli/commands.hpp"
#include "testing/test_runner.hpp"

namespace sluice::cli {

int test_command(const CliArgs& args) {
  if (args.positional.empty()) {
    std::cerr << "sluice test: expected at least one test file or folder, e.g. sluice test pipelines/tests\n\n"
              << kUsage;
    return 2;
  }
  const auto registry = load_plugins(args);
  return pipeline_test::run_tests(args.positional, registry, std::cout, std::cerr).exit_code();
}

}  // namespace sluice::cli
