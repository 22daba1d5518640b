#pragma once
// The promise every reader of YAML makes, checked the same way by the fuzz targets that read
// pipeline files and test files: a refused file is refused with at least one diagnostic, each
// at a line and column and with a message.

#include <string_view>

#include "config/diagnostics.hpp"
#include "fuzz_check.hpp"

namespace sluice::fuzz {

inline void check_diagnostics(const config::ConfigErrors& e, std::string_view file) {
  FUZZ_CHECK(!e.diagnostics().empty(), "ConfigErrors without a diagnostic: ", printable(file));
  for (const auto& d : e.diagnostics()) {
    FUZZ_CHECK(d.at.line >= 1 && d.at.column >= 1, "a diagnostic without a location: ", printable(d.format()),
               "; the file: ", printable(file));
    FUZZ_CHECK(!d.message.empty(), "a diagnostic without a message at ", d.at.line, ":", d.at.column);
  }
}

}  // namespace sluice::fuzz
