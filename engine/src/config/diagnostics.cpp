#include "config/diagnostics.hpp"

namespace sluice::config {

std::string SourceLocation::format() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::format() const {
  std::string out = at.format() + ": error: ";
  if (!where.empty()) out += where + ": ";
  out += message;
  return out;
}

namespace {
std::string join(const std::vector<Diagnostic>& diagnostics) {
  std::string all;
  for (const auto& d : diagnostics) all += d.format() + "\n";
  return all;
}
}  // namespace

void print(const ConfigErrors& errors, std::ostream& out) {
  for (const auto& d : errors.diagnostics()) out << d.format() << "\n";
}

ConfigErrors::ConfigErrors(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace sluice::config
