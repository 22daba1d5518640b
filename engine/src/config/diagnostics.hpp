#pragma once
// A configuration problem, located in the YAML file. Loading collects all of them before it
// reports, so a user fixes a file in one pass rather than one error per run.

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::config {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based

  // "file:3:5", or "file" when the line is unknown.
  std::string format() const;
};

struct Diagnostic {
  SourceLocation at;
  std::string where;    // "pipeline 'demo', source 'generator'"; empty at file level
  std::string message;  // what is wrong and what was expected

  // "file:3:5: error: pipeline 'demo', source 'generator': unknown option 'rat' (did you mean 'rate'?)"
  std::string format() const;
};

// Thrown when a file (or components built from it) cannot run. Exit code 2.
class ConfigErrors : public std::runtime_error {
 public:
  explicit ConfigErrors(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Each diagnostic formatted, one a line.
void print(const ConfigErrors& errors, std::ostream& out);

}  // namespace sluice::config
