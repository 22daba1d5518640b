#include "config/option_validation.hpp"

#include <cmath>

#include "config/suggest.hpp"

namespace sluice::config {

SourceLocation ValidationScope::at(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  // yaml-cpp counts from 0 and reports -1 for nodes it made up (absent keys, an empty file): those
  // point at the file's start, so every diagnostic has a line and a column an editor can jump to.
  if (mark.line < 0) return {file, 1, 1};
  return {file, mark.line + 1, mark.column + 1};
}

void ValidationScope::error(const YAML::Node& node, std::string message) const {
  diagnostics->push_back({at(node), where, std::move(message)});
}

std::string env_in_key_hint(const std::string& key) {
  if (key.find("${") == std::string::npos) return "";
  return " (${VAR} is replaced in values, `type` and pipeline names, never in option names or other keys)";
}

std::optional<std::string> scalar_text(const YAML::Node& node, const ValidationScope& scope) {
  std::string error;
  auto text = interpolate_env(node.Scalar(), *scope.env, error);
  if (!text) scope.error(node, error);
  return text;
}

namespace {

std::string describe_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Undefined:
      break;
  }
  return "an undefined value";
}

std::string expected_for(const OptionSpec& spec) {
  std::string expected;
  switch (spec.type) {
    case OptionType::string_list:
      return "a list of strings";
    case OptionType::string_map:
      return "a map of keys to values";
    case OptionType::map_list:
      return "a list of maps";
    default:
      (void)parse_scalar_option(spec.type, "\x01", expected);
      return expected.empty() ? "a string" : expected;
  }
}

// The number a range applies to, in the unit the table states (durations in ms, sizes in bytes).
std::optional<double> magnitude(const OptionValue& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto ms = std::get_if<Duration>(&v)) return static_cast<double>(ms->count());
  return std::nullopt;
}

// Checks range and choices; returns an error message or "".
std::string check_limits(const OptionSpec& spec, const OptionValue& value) {
  if (auto m = magnitude(value)) {
    if (spec.minimum && *m < *spec.minimum) return "must be at least " + format_option_bound(spec.type, *spec.minimum);
    if (spec.maximum && *m > *spec.maximum) return "must be at most " + format_option_bound(spec.type, *spec.maximum);
  }
  if (!spec.choices.empty()) {
    if (auto s = std::get_if<std::string>(&value)) {
      for (const auto& c : spec.choices) {
        if (c == *s) return "";
      }
      return "must be one of " + join_names(spec.choices) + did_you_mean(*s, spec.choices);
    }
  }
  return "";
}

// A map_list: each item a mapping whose values are scalars or lists of scalars. Where each item
// and each value was written goes into `at` as "NAME[i]" and "NAME[i].KEY", so the component's
// check step can point at the very value it refuses.
std::optional<OptionValue> convert_map_list(const OptionSpec& spec, const YAML::Node& node,
                                            const ValidationScope& scope, std::map<std::string, SourceLocation>& at) {
  const std::string subject = "option '" + spec.name + "'";
  if (!node.IsSequence()) {
    scope.error(node, subject + " expects a list of maps, got " + describe_kind(node));
    return std::nullopt;
  }
  MapList list;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string name = spec.name + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) {
      scope.error(item,
                  subject + " expects a list of maps, but item " + std::to_string(i) + " is " + describe_kind(item));
      ok = false;
      continue;
    }
    at[name] = scope.at(item);
    std::map<std::string, StringList> record;
    for (const auto& kv : item) {
      const std::string key = kv.first.Scalar();
      if (record.count(key)) {
        scope.error(kv.first, subject + ": duplicate key '" + key + "' in item " + std::to_string(i));
        ok = false;
        continue;
      }
      StringList values;
      if (kv.second.IsScalar()) {
        auto text = scalar_text(kv.second, scope);
        if (!text) {
          ok = false;
          continue;
        }
        values.push_back(*text);
      } else if (kv.second.IsSequence()) {
        for (const auto& v : kv.second) {
          if (!v.IsScalar()) {
            scope.error(v, subject + ": '" + key + "' expects a value or a list of values, but this item is " +
                               describe_kind(v));
            ok = false;
            continue;
          }
          auto text = scalar_text(v, scope);
          if (!text) {
            ok = false;
            continue;
          }
          values.push_back(*text);
        }
      } else {
        scope.error(kv.second,
                    subject + ": '" + key + "' expects a value or a list of values, got " + describe_kind(kv.second));
        ok = false;
        continue;
      }
      at[name + "." + key] = scope.at(kv.second);
      record.emplace(key, std::move(values));
    }
    list.push_back(std::move(record));
  }
  if (!ok) return std::nullopt;
  return list;
}

std::optional<OptionValue> convert(const OptionSpec& spec, const YAML::Node& node, const ValidationScope& scope,
                                   std::map<std::string, SourceLocation>& at) {
  const std::string subject = "option '" + spec.name + "'";
  if (spec.type == OptionType::map_list) return convert_map_list(spec, node, scope, at);
  if (spec.type == OptionType::string_list) {
    if (node.IsScalar()) {
      auto text = scalar_text(node, scope);
      if (!text) return std::nullopt;
      return StringList{*text};
    }
    if (!node.IsSequence()) {
      scope.error(node, subject + " expects a list of strings, got " + describe_kind(node));
      return std::nullopt;
    }
    StringList list;
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        scope.error(item, subject + " expects a list of strings, but this item is " + describe_kind(item));
        return std::nullopt;
      }
      auto text = scalar_text(item, scope);
      if (!text) return std::nullopt;
      list.push_back(*text);
    }
    return list;
  }
  if (spec.type == OptionType::string_map) {
    if (!node.IsMap()) {
      scope.error(node, subject + " expects a map of keys to values, got " + describe_kind(node));
      return std::nullopt;
    }
    StringMap map;
    for (const auto& kv : node) {
      if (!kv.second.IsScalar()) {
        scope.error(kv.second, subject + ": the value of '" + kv.first.Scalar() + "' must be a single value, got " +
                                   describe_kind(kv.second));
        return std::nullopt;
      }
      auto text = scalar_text(kv.second, scope);
      if (!text) return std::nullopt;
      map[kv.first.Scalar()] = *text;
    }
    return map;
  }
  if (!node.IsScalar()) {
    scope.error(node, subject + " expects " + expected_for(spec) + ", got " + describe_kind(node));
    return std::nullopt;
  }
  auto text = scalar_text(node, scope);
  if (!text) return std::nullopt;
  std::string expected;
  auto value = parse_scalar_option(spec.type, *text, expected);
  if (!value) {
    scope.error(node, subject + " expects " + expected + ", got '" + *text + "'");
    return std::nullopt;
  }
  if (auto problem = check_limits(spec, *value); !problem.empty()) {
    scope.error(node, subject + " " + problem + ", got '" + *text + "'");
    return std::nullopt;
  }
  return value;
}

}  // namespace

ValidatedOptions validate_options(const OptionTable& table, const YAML::Node& map,
                                  const std::set<std::string>& reserved, const ValidationScope& scope) {
  ValidatedOptions out;
  std::vector<std::string> names;
  for (const auto& spec : table.specs()) names.push_back(spec.name);
  std::vector<std::string> all_keys = names;
  all_keys.insert(all_keys.end(), reserved.begin(), reserved.end());

  std::set<std::string> seen;
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      scope.error(kv.first, "duplicate key '" + key + "'");
      continue;
    }
    if (reserved.count(key)) continue;
    const OptionSpec* spec = table.find(key);
    if (!spec) {
      scope.error(kv.first, "unknown option '" + key + "'" + did_you_mean(key, all_keys) +
                                "; expected one of: " + join_names(names) + env_in_key_hint(key));
      continue;
    }
    if (kv.second.IsNull()) {
      scope.error(kv.second, "option '" + key + "' has no value; expected " + expected_for(*spec));
      out.refused.insert(key);
      continue;
    }
    if (auto value = convert(*spec, kv.second, scope, out.option_at)) {
      out.options.set(key, std::move(*value));
      out.option_at[key] = scope.at(kv.second);
    } else {
      out.refused.insert(key);
    }
  }

  for (const auto& spec : table.specs()) {
    // A value that was given but refused still gets its default, so the caller can read every
    // option while the errors are collected.
    if (out.options.has(spec.name)) continue;
    if (spec.default_text) {
      std::string expected;
      auto value = parse_scalar_option(spec.type, *spec.default_text, expected);
      // Lists and maps default to empty; there is no scalar text for "a map".
      if (spec.type == OptionType::string_list && spec.default_text->empty()) value = StringList{};
      if (spec.type == OptionType::string_map && spec.default_text->empty()) value = StringMap{};
      if (spec.type == OptionType::map_list && spec.default_text->empty()) value = MapList{};
      if (!value) {
        scope.error(map, "plugin bug: the default of option '" + spec.name + "' is not " + expected);
        out.readable = false;
        continue;
      }
      out.options.set(spec.name, std::move(*value));
    } else if (spec.is_required) {
      if (!seen.count(spec.name)) {
        scope.error(map, "missing required option '" + spec.name + "' (" + std::string(option_type_name(spec.type)) +
                             "): " + spec.description);
      }
      out.readable = false;  // missing, or refused with no default to read in its place
    }
  }
  return out;
}

}  // namespace sluice::config
