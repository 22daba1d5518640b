#pragma once
// `sluice test PATH...`: runs the test files at PATH (a file, or a folder's test files) and
// prints one line per test, with the differences of each that failed. Each test makes its
// transforms afresh (testing/transform_chain.hpp), so no state passes from one test to the next.
//
// Exit code: 2 when any test file (or the pipeline file it names) cannot be used, each problem
// printed as file:line:column; else 1 when any test failed; else 0. A bad file does not stop the
// others from running: one run reports everything.

#include <ostream>
#include <string>
#include <vector>

#include "plugins/plugin_registry.hpp"

namespace sluice::pipeline_test {

struct TestTally {
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t bad_files = 0;

  int exit_code() const { return bad_files > 0 ? 2 : failed > 0 ? 1 : 0; }
};

// Results go to `out`, diagnostics (bad files) to `err`.
TestTally run_tests(const std::vector<std::string>& paths, const plugins::PluginRegistry& registry, std::ostream& out,
                    std::ostream& err);

// The test files PATH stands for: itself, or a folder's *.yaml and *.yml files (not its
// subfolders), sorted, without the pipeline files kept beside them (a top-level `pipelines:` and
// no `tests:`). Empty when a folder holds none.
std::vector<std::string> test_files_at(const std::string& path);

}  // namespace sluice::pipeline_test
