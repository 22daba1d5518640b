#pragma once
// Reads a render back for the tests: every sample line as "name{labels}" -> value, with the
// labels as written (so a test names a series exactly as Prometheus would show it).

#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sluice::test {

inline std::map<std::string, double> samples_of(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) throw std::runtime_error("not a sample line: " + line);
    if (!out.emplace(line.substr(0, space), std::stod(line.substr(space + 1))).second) {
      throw std::runtime_error("series written twice: " + line);
    }
  }
  return out;
}

// The value of one series, or -1 when the render has no such series.
inline double sample(const std::map<std::string, double>& samples, const std::string& series) {
  auto it = samples.find(series);
  return it == samples.end() ? -1 : it->second;
}

}  // namespace sluice::test
