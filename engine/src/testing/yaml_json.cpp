#include "testing/yaml_json.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace sluice::pipeline_test {
namespace {

// As deep as the http source lets a click be: deeper is no test anyone writes by hand, and the
// conversion recurses once per level.
constexpr int kMaxDepth = 64;

bool is_core_null(const std::string& s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The number of digits from `i` on.
std::size_t digits(const std::string& s, std::size_t i) {
  const std::size_t from = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i - from;
}

// YAML 1.2 core schema, by hand rather than with std::regex, whose matcher recurses once per
// character and overflows the stack on a long scalar:
//   int   [-+]?[0-9]+
//   float [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
enum class Shape { text, integer, floating };

Shape shape_of(const std::string& s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  const std::size_t whole = digits(s, i);
  i += whole;
  if (i == s.size()) return whole > 0 ? Shape::integer : Shape::text;
  std::size_t fraction = 0;
  if (s[i] == '.') {
    fraction = digits(s, i + 1);
    i += 1 + fraction;
  }
  if (whole == 0 && fraction == 0) return Shape::text;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
    const std::size_t exponent = digits(s, j);
    if (exponent == 0) return Shape::text;
    i = j + exponent;
  }
  return i == s.size() ? Shape::floating : Shape::text;
}

bool is_special(const std::string& s) {
  std::string_view v(s);
  if (v == ".nan" || v == ".NaN" || v == ".NAN") return true;
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  return v == ".inf" || v == ".Inf" || v == ".INF";
}

// A double, as JSON holds numbers; one a double cannot hold is refused rather than turned into
// infinity or silently into 0.
double to_double(const YAML::Node& node, const std::string& s) {
  errno = 0;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  // ERANGE with a finite non-zero result is a subnormal number: a double still.
  if (!std::isfinite(d) || (errno == ERANGE && d == 0.0)) {
    const bool tiny = std::fabs(d) < 1.0;
    throw YAML::RepresentationException(
        node.Mark(), "the number " + s.substr(0, 40) + (s.size() > 40 ? "…" : "") +
                         (tiny ? " is too small for a double (JSON's numbers); write 0, or quote it to mean a string"
                               : " is too large for a double (JSON's numbers); quote it to mean a string"));
  }
  return d;
}

nlohmann::ordered_json plain_scalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (is_core_null(s)) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  switch (shape_of(s)) {
    case Shape::integer: {
      const char* first = s.data() + (s[0] == '+' ? 1 : 0);
      const char* last = s.data() + s.size();
      std::int64_t i = 0;
      if (auto r = std::from_chars(first, last, i); r.ec == std::errc() && r.ptr == last) return i;
      std::uint64_t u = 0;
      if (auto r = std::from_chars(first, last, u); r.ec == std::errc() && r.ptr == last) return u;
      return to_double(node, s);  // beyond 64 bits: a number still, as JSON has it
    }
    case Shape::floating:
      return to_double(node, s);
    case Shape::text:
      break;
  }
  if (is_special(s)) {
    throw YAML::RepresentationException(node.Mark(), "'" + s + "' has no JSON form; quote it to mean a string");
  }
  return s;
}

// Whether `s` is UTF-8, as JSON text must be (nlohmann's dump() throws on anything else).
bool is_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // cut short
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Overlong forms, surrogates and beyond U+10FFFF are not UTF-8 either.
    static constexpr std::uint32_t kLeast[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kLeast[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += n + 1;
  }
  return true;
}

const std::string& text_of(const YAML::Node& node) {
  if (!is_utf8(node.Scalar())) {
    throw YAML::RepresentationException(node.Mark(),
                                        "not UTF-8 text, which JSON needs; write the bytes as "
                                        "'payload' (the exact bytes) instead");
  }
  return node.Scalar();
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
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return text_of(node);
      auto value = plain_scalar(node);
      if (value.is_string()) (void)text_of(node);
      return value;
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
        object[text_of(kv.first)] = convert(kv.second, depth + 1);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace

nlohmann::ordered_json yaml_to_json(const YAML::Node& node) { return convert(node, 0); }

}  // namespace sluice::pipeline_test
