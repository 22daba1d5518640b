#include "testing/file_reader.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <tuple>

#include "config/suggest.hpp"
#include "testing/yaml_json.hpp"

namespace sluice::pipeline_test {

std::shared_ptr<std::regex> compile_regex(const std::string& pattern) {
#if defined(__GLIBCXX__)
  constexpr auto kFlags = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
  constexpr auto kFlags = std::regex::ECMAScript;
#endif
  return std::make_shared<std::regex>(pattern, kFlags);
}

config::SourceLocation FileReader::at(const YAML::Node& node) const {
  const auto mark = node.Mark();
  return {file_, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
}

void FileReader::error(const YAML::Node& node, std::string message) { error_at(at(node), std::move(message)); }

void FileReader::error_at(config::SourceLocation where, std::string message) {
  diagnostics_.push_back({std::move(where), scope_, std::move(message)});
}

void FileReader::finish() {
  if (diagnostics_.empty()) return;
  // In the order of the file, as the pipeline loader reports.
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const auto& a, const auto& b) {
    return std::tie(a.at.file, a.at.line, a.at.column) < std::tie(b.at.file, b.at.line, b.at.column);
  });
  throw config::ConfigErrors(std::move(diagnostics_));
}

std::string FileReader::relative_to_me(const std::string& path) const {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(file_).parent_path() / p).lexically_normal().string();
}

std::optional<std::string> FileReader::key_name(const YAML::Node& key) {
  if (key.IsScalar()) return key.Scalar();
  error(key, "a key must be a name, not a list or a mapping");
  return std::nullopt;
}

void FileReader::check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& what) {
  for (const auto& kv : map) {
    const auto key = key_name(kv.first);
    if (key && std::find(known.begin(), known.end(), *key) == known.end()) {
      error(kv.first, "unknown key '" + *key + "' in " + what + config::did_you_mean(*key, known) + "; expected " +
                          config::join_names(known));
    }
  }
}

std::optional<std::string> FileReader::string_value(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) {
    error(node, "'" + key + "' must be a single value (a string)");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> FileReader::required_string(const YAML::Node& map, const YAML::Node& owner,
                                                       const std::string& key, const std::string& meaning) {
  const YAML::Node node = map[key];
  if (!node) {
    error(owner, "missing '" + key + "': " + meaning);
    return std::nullopt;
  }
  auto value = string_value(node, key);
  if (value && value->empty()) {
    error(node, "'" + key + "' is empty: " + meaning);
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> FileReader::integer(const YAML::Node& node, const std::string& what) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    std::int64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return v;
  }
  error(node, what + " must be a whole number");
  return std::nullopt;
}

std::optional<std::size_t> FileReader::input_position(const YAML::Node& node, std::size_t inputs) {
  const auto n = integer(node, "an input's position");
  if (!n) return std::nullopt;
  if (*n < 0 || static_cast<std::size_t>(*n) >= inputs) {
    error(node, "input " + std::to_string(*n) + " does not exist: the test has " + std::to_string(inputs) +
                    (inputs == 1 ? " input event" : " input events") + ", counted from 0");
    return std::nullopt;
  }
  return static_cast<std::size_t>(*n);
}

std::shared_ptr<std::regex> FileReader::regex(const YAML::Node& node, const std::string& key) {
  const auto text = string_value(node, key);
  if (!text) return nullptr;
  if (text->size() > kMaxPatternBytes) {
    error(node, "'" + key + "' is " + std::to_string(text->size()) + " bytes; a pattern may have at most " +
                    std::to_string(kMaxPatternBytes));
    return nullptr;
  }
  try {
    return compile_regex(*text);
  } catch (const std::regex_error& e) {
    error(node, "'" + key + "' is not a regular expression (ECMAScript syntax, without back-references): " + e.what());
    return nullptr;
  }
}

std::optional<nlohmann::ordered_json> FileReader::ordered_json_of(const YAML::Node& node) {
  try {
    return yaml_to_json(node);
  } catch (const YAML::Exception& e) {
    error_at({file_, std::max(e.mark.line, 0) + 1, std::max(e.mark.column, 0) + 1}, e.msg);
    return std::nullopt;
  }
}

std::optional<nlohmann::json> FileReader::json_of(const YAML::Node& node) {
  auto ordered = ordered_json_of(node);
  if (!ordered) return std::nullopt;
  // nlohmann::json keeps keys sorted: key order does not matter when comparing.
  return nlohmann::json::parse(ordered->dump());
}

}  // namespace sluice::pipeline_test
