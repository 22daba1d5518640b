#pragma once
// A component declares its options once, in an OptionTable. The engine checks YAML against it
// (unknown keys, types, ranges, required), fills in defaults, and prints `sluice plugins
// --describe` and the README's plugin reference from the same table.
//
//   OptionTable t;
//   t.add("rate", OptionType::floating, "Events per second; 0 = as fast as the pipeline takes them")
//       .default_to("0").at_least(0).example("1000");
//
// Defaults are written as the YAML text a user would write, and parsed by the same rules as user
// input, so a default can never be of the wrong type.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sluice/export.hpp"

namespace sluice {

enum class OptionType {
  string,       // any scalar
  integer,      // 64-bit, decimal
  floating,     // double
  boolean,      // true/false
  duration,     // "250ms", "5s", "2m", "1h"; 0 needs no unit
  bytes,        // "512", "64KiB", "1MiB", "1GiB"
  string_list,  // a sequence of scalars (a single scalar counts as a list of one)
  string_map,   // a map of scalar keys to scalar values
  // A list of mappings, each from scalar keys to a scalar or a list of scalars (a scalar reads as a
  // list of one): records such as the http source's routes. The engine checks the shape; the
  // component checks the keys and values of each item (in its validate step), and reports a
  // problem at "NAME[i]" (the item) or "NAME[i].KEY" (that key's value), which the engine places
  // at the item's or the value's line and column.
  map_list,
};

SLUICE_EXPORT std::string_view option_type_name(OptionType type);

struct SLUICE_EXPORT OptionSpec {
  std::string name;
  OptionType type = OptionType::string;
  std::string description;
  std::optional<std::string> default_text;
  bool is_required = false;
  std::string example_text;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::vector<std::string> choices;  // for strings: the only accepted values

  OptionSpec& default_to(std::string text) {
    default_text = std::move(text);
    return *this;
  }
  OptionSpec& required() {
    is_required = true;
    return *this;
  }
  OptionSpec& example(std::string text) {
    example_text = std::move(text);
    return *this;
  }
  OptionSpec& at_least(double v) {
    minimum = v;
    return *this;
  }
  OptionSpec& at_most(double v) {
    maximum = v;
    return *this;
  }
  OptionSpec& one_of(std::vector<std::string> values) {
    choices = std::move(values);
    return *this;
  }
};

class SLUICE_EXPORT OptionTable {
 public:
  // The returned reference is for chaining right away; it is invalidated by the next add().
  OptionSpec& add(std::string name, OptionType type, std::string description);
  const OptionSpec* find(std::string_view name) const;
  const std::vector<OptionSpec>& specs() const { return specs_; }

 private:
  std::vector<OptionSpec> specs_;
};

using Duration = std::chrono::milliseconds;
using StringList = std::vector<std::string>;
using StringMap = std::map<std::string, std::string>;
using MapList = std::vector<std::map<std::string, StringList>>;
using OptionValue =
    std::variant<std::monostate, std::string, std::int64_t, double, bool, Duration, StringList, StringMap, MapList>;

// The checked options of one component instance: every declared option with a default or a
// user value is present, with the declared type. Asking for an undeclared name or the wrong type
// throws std::logic_error: that is a bug in the plugin, not a user mistake.
class SLUICE_EXPORT Options {
 public:
  void set(std::string name, OptionValue value) { values_[std::move(name)] = std::move(value); }
  bool has(const std::string& name) const;

  const std::string& get_string(const std::string& name) const;
  std::int64_t get_int(const std::string& name) const;  // integer and bytes options
  double get_float(const std::string& name) const;
  bool get_bool(const std::string& name) const;
  Duration get_duration(const std::string& name) const;
  const StringList& get_list(const std::string& name) const;
  const StringMap& get_map(const std::string& name) const;
  const MapList& get_map_list(const std::string& name) const;

  const std::map<std::string, OptionValue>& values() const { return values_; }

 private:
  template <class T>
  const T& get(const std::string& name) const;
  std::map<std::string, OptionValue> values_;
};

// Parses one scalar as `type` (used for user values and for defaults). On failure returns
// nullopt and sets `expected` to what the value should look like.
SLUICE_EXPORT std::optional<OptionValue> parse_scalar_option(OptionType type, std::string_view text,
                                                             std::string& expected);

// A bound (OptionSpec::minimum or ::maximum) written as a user would write it for this option, so
// the docs and the error messages say what the YAML accepts: durations in the largest exact unit
// ("1s", "500ms", "15m"), sizes likewise ("8KiB", "1MiB"; bytes as a plain number when no unit
// divides them), integers with every digit ("2147483647"), numbers in the shortest exact form.
SLUICE_EXPORT std::string format_option_bound(OptionType type, double value);

}  // namespace sluice
