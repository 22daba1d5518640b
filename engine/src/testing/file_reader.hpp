#pragma once
// What every part of a test file's reader shares: where a node is (file:line:column), the
// problems found so far, and the checks of single values (strings, whole numbers, regexes, JSON
// written as YAML). A mistake is recorded, not thrown, so that one run reports them all.

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "config/diagnostics.hpp"

namespace sluice::pipeline_test {

// A regex is compiled and run with libstdc++'s polynomial (breadth-first) matcher where there is
// one: the default matcher recurses once per character of the text and overflows the stack on a
// long one. Even so a search takes time in the square of the text, so both are bounded.
constexpr std::size_t kMaxPatternBytes = 1000;
constexpr std::size_t kMaxMatchedBytes = 4096;

std::shared_ptr<std::regex> compile_regex(const std::string& pattern);  // throws std::regex_error

class FileReader {
 public:
  explicit FileReader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  // "test 'NAME'" while reading one, before every message.
  void set_scope(std::string scope) { scope_ = std::move(scope); }

  config::SourceLocation at(const YAML::Node& node) const;
  void error(const YAML::Node& node, std::string message);
  void error_at(config::SourceLocation where, std::string message);
  // Throws config::ConfigErrors with every problem, in the order of the file, when there is one.
  void finish();

  // A path as written in the file: relative to the file's folder.
  std::string relative_to_me(const std::string& path) const;

  // Each key of `map` is a name `known` lists; what: "a test", for messages.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& what);
  // A key as a name: an error (and nullopt) for a key that is a list or a mapping.
  std::optional<std::string> key_name(const YAML::Node& key);
  std::optional<std::string> string_value(const YAML::Node& node, const std::string& key);
  std::optional<std::string> required_string(const YAML::Node& map, const YAML::Node& owner, const std::string& key,
                                             const std::string& meaning);
  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& what);
  // A position in the test's inputs, from 0.
  std::optional<std::size_t> input_position(const YAML::Node& node, std::size_t inputs);
  std::shared_ptr<std::regex> regex(const YAML::Node& node, const std::string& key);

  // A value written as YAML, as JSON: ordered as written (for a payload), or sorted (for comparing).
  std::optional<nlohmann::ordered_json> ordered_json_of(const YAML::Node& node);
  std::optional<nlohmann::json> json_of(const YAML::Node& node);

 private:
  std::string file_;
  std::string scope_;
  std::vector<config::Diagnostic> diagnostics_;
};

}  // namespace sluice::pipeline_test
