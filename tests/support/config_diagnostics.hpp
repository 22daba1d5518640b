#pragma once
// For tests of configuration mistakes: load a pipeline file from a string and get what it was
// refused for, and check that a diagnostic points at the text it is about. The expected column is
// computed from the YAML, so a test says what it points at rather than a number.

#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "test_components.hpp"

namespace sluice::test {

// Every diagnostic `yaml` (named `file`) is refused with; a test failure if it loads.
inline std::vector<config::Diagnostic> config_errors_of(const std::string& yaml, const std::string& file = "bad.yaml",
                                                        const config::EnvLookup& env = config::process_environment()) {
  try {
    (void)config::load_config_string(yaml, file, test_registry(), env);
  } catch (const config::ConfigErrors& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.format() << "\n";
    return e.diagnostics();
  }
  ADD_FAILURE() << "expected configuration errors";
  return {};
}

// The 1-based column where `needle` starts on 1-based `line` of `yaml`.
inline int column_of(const std::string& yaml, int line, const std::string& needle) {
  std::size_t start = 0;
  for (int i = 1; i < line; ++i) start = yaml.find('\n', start) + 1;
  const auto at = yaml.substr(start, yaml.find('\n', start) - start).find(needle);
  EXPECT_NE(at, std::string::npos) << "'" << needle << "' is not on line " << line;
  return static_cast<int>(at) + 1;
}

// `d` is reported in `file` at `line`, at the column where `needle` starts.
inline void expect_at(const config::Diagnostic& d, const std::string& yaml, int line, const std::string& needle,
                      const std::string& file = "bad.yaml") {
  EXPECT_EQ(d.at.file, file);
  EXPECT_EQ(d.at.line, line) << d.format();
  EXPECT_EQ(d.at.column, column_of(yaml, line, needle)) << d.format();
}

}  // namespace sluice::test
