#include "sluice/options.hpp"

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace sluice {

std::string_view option_type_name(OptionType type) {
  switch (type) {
    case OptionType::string:
      return "string";
    case OptionType::integer:
      return "integer";
    case OptionType::floating:
      return "number";
    case OptionType::boolean:
      return "boolean";
    case OptionType::duration:
      return "duration";
    case OptionType::bytes:
      return "size";
    case OptionType::string_list:
      return "list of strings";
    case OptionType::string_map:
      return "map of strings";
    case OptionType::map_list:
      return "list of maps";
  }
  return "value";
}

OptionSpec& OptionTable::add(std::string name, OptionType type, std::string description) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.description = std::move(description);
  specs_.push_back(std::move(spec));
  return specs_.back();
}

const OptionSpec* OptionTable::find(std::string_view name) const {
  for (const auto& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

namespace {

bool parse_int(std::string_view text, std::int64_t& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool parse_double(std::string_view text, double& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty() && std::isfinite(out);
}

// Splits "250ms" into 250 and "ms".
bool split_number_unit(std::string_view text, double& number, std::string_view& unit) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0 || !parse_double(text.substr(0, i), number)) return false;
  unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}

std::optional<OptionValue> parse_duration(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number_unit(text, n, unit)) return std::nullopt;
  double ms = 0;
  if (unit == "ms")
    ms = n;
  else if (unit == "s")
    ms = n * 1e3;
  else if (unit == "m")
    ms = n * 60e3;
  else if (unit == "h")
    ms = n * 3600e3;
  else if (unit.empty() && n == 0)
    ms = 0;
  else
    return std::nullopt;
  if (ms > 1e15) return std::nullopt;
  return Duration(static_cast<std::int64_t>(std::llround(ms)));
}

std::optional<OptionValue> parse_bytes(std::string_view text) {
  double n = 0;
  std::string_view unit;
  if (!split_number_unit(text, n, unit)) return std::nullopt;
  double factor = 0;
  if (unit.empty() || unit == "B")
    factor = 1;
  else if (unit == "KiB" || unit == "KB" || unit == "k")
    factor = 1024.0;
  else if (unit == "MiB" || unit == "MB" || unit == "M")
    factor = 1024.0 * 1024;
  else if (unit == "GiB" || unit == "GB" || unit == "G")
    factor = 1024.0 * 1024 * 1024;
  else
    return std::nullopt;
  const double bytes = n * factor;
  if (bytes > 9e18 || bytes != std::floor(bytes)) return std::nullopt;
  return static_cast<std::int64_t>(bytes);
}

}  // namespace

std::optional<OptionValue> parse_scalar_option(OptionType type, std::string_view text, std::string& expected) {
  switch (type) {
    case OptionType::string:
      return std::string(text);
    case OptionType::integer: {
      std::int64_t v = 0;
      if (parse_int(text, v)) return v;
      expected = "a whole number";
      return std::nullopt;
    }
    case OptionType::floating: {
      double v = 0;
      if (parse_double(text, v)) return v;
      expected = "a number";
      return std::nullopt;
    }
    case OptionType::boolean:
      if (text == "true") return true;
      if (text == "false") return false;
      expected = "true or false";
      return std::nullopt;
    case OptionType::duration:
      if (auto v = parse_duration(text)) return v;
      expected = "a duration such as 250ms, 5s, 2m or 1h";
      return std::nullopt;
    case OptionType::bytes:
      if (auto v = parse_bytes(text)) return v;
      expected = "a size such as 4096, 64KiB or 1MiB";
      return std::nullopt;
    case OptionType::string_list:
      return StringList{std::string(text)};
    case OptionType::string_map:
      expected = "a map of keys to values";
      return std::nullopt;
    case OptionType::map_list:
      expected = "a list of maps";
      return std::nullopt;
  }
  expected = "a value";
  return std::nullopt;
}

namespace {

// The shortest text that reads back as exactly `v`.
std::string shortest(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// `v` as a whole number, when it is one that int64 holds exactly.
std::optional<std::int64_t> whole(double v) {
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9.0e15) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

// `n` in the largest of `units` (each a factor and its suffix, largest first) that divides it.
std::string in_largest_exact_unit(std::int64_t n, std::initializer_list<std::pair<std::int64_t, const char*>> units,
                                  const char* base_suffix) {
  if (n == 0) return "0";
  for (const auto& [factor, suffix] : units) {
    if (n % factor == 0) return std::to_string(n / factor) + suffix;
  }
  return std::to_string(n) + base_suffix;
}

}  // namespace

std::string format_option_bound(OptionType type, double value) {
  const std::optional<std::int64_t> n = whole(value);
  switch (type) {
    case OptionType::duration:  // milliseconds
      if (n) return in_largest_exact_unit(*n, {{3600000, "h"}, {60000, "m"}, {1000, "s"}}, "ms");
      return shortest(value) + "ms";
    case OptionType::bytes:  // bytes; a plain number is read as bytes
      if (n) return in_largest_exact_unit(*n, {{1024LL * 1024 * 1024, "GiB"}, {1024 * 1024, "MiB"}, {1024, "KiB"}}, "");
      return shortest(value);
    case OptionType::integer:
      if (n) return std::to_string(*n);
      return shortest(value);
    default:
      return shortest(value);
  }
}

bool Options::has(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !std::holds_alternative<std::monostate>(it->second);
}

template <class T>
const T& Options::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("option '" + name + "' is not set and has no default");
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  throw std::logic_error("option '" + name + "' was read as another type than it was declared with");
}

const std::string& Options::get_string(const std::string& name) const { return get<std::string>(name); }
std::int64_t Options::get_int(const std::string& name) const { return get<std::int64_t>(name); }
double Options::get_float(const std::string& name) const { return get<double>(name); }
bool Options::get_bool(const std::string& name) const { return get<bool>(name); }
Duration Options::get_duration(const std::string& name) const { return get<Duration>(name); }
const StringList& Options::get_list(const std::string& name) const { return get<StringList>(name); }
const StringMap& Options::get_map(const std::string& name) const { return get<StringMap>(name); }
const MapList& Options::get_map_list(const std::string& name) const { return get<MapList>(name); }

}  // namespace sluice
