#include "testing/yaml_json.hpp"

#include <charconv>
#include <cstdint>
#include <regex>

namespace sluice::pipeline_test {
namespace {

// As deep as the http source lets a click be: deeper is no test anyone writes by hand, and the
// conversion recurses once per level.
constexpr int kMaxDepth = 64;

bool is_core_null(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

nlohmann::ordered_json plain_scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (is_core_null(s)) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex integer("[-+]?[0-9]+");
  static const std::regex floating(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const std::regex special(R"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  if (std::regex_match(s, integer)) {
    const char* first = s.data() + (s[0] == '+' ? 1 : 0);
    const char* last = s.data() + s.size();
    std::int64_t i = 0;
    if (auto r = std::from_chars(first, last, i); r.ec == std::errc() && r.ptr == last) return i;
    std::uint64_t u = 0;
    if (auto r = std::from_chars(first, last, u); r.ec == std::errc() && r.ptr == last) return u;
    return std::stod(s);  // beyond 64 bits: a number still, as JSON has it
  }
  if (std::regex_match(s, floating)) return std::stod(s);
  if (std::regex_match(s, special)) {
    throw YAML::RepresentationException(node.Mark(), "'" + s + "' has no JSON form; quote it to mean a string");
  }
  return s;
}

nlohmann::ordered_json convert(const YAML::Node& node, int depth) {
  if (depth > kMaxDepth) {
    throw YAML::RepresentationException(node.Mark(), "nested deeper than 64 levels");
  }
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      // "!" is a quoted scalar; "?" a plain one; "tag:yaml.org,2002:str" is !!str.
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
      return plain_scalar(node);
    }
    case YAML::NodeType::Sequence: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      for (const auto& item : node) array.push_back(convert(item, depth + 1));
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) throw YAML::RepresentationException(kv.first.Mark(), "a JSON key must be a string");
        object[kv.first.Scalar()] = convert(kv.second, depth + 1);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace

nlohmann::ordered_json yaml_to_json(const YAML::Node& node) { return convert(node, 0); }

}  // namespace sluice::pipeline_test
