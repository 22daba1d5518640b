// Every default is a value the component's own table accepts: within its range, one of its choices,
// of its type. A default is never checked when it is used (the engine trusts the table), so a
// default of 10ms on an option that says "at least 50" would run unnoticed; here it is refused.
// Checked over the plugins as the CLI loads them (a fresh registry scanning the build's plugin
// folder), and over the engine's own setting tables.

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "config/engine_settings.hpp"
#include "config/option_validation.hpp"
#include "plugins/plugin_registry.hpp"
#include "sluice/options.hpp"

namespace sluice {
namespace {

// The number a range applies to, in the table's unit (durations in ms, sizes in bytes).
std::optional<double> magnitude(const OptionValue& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto ms = std::get_if<Duration>(&v)) return static_cast<double>(ms->count());
  return std::nullopt;
}

bool empty_collection_default(const OptionSpec& spec) {
  return spec.default_text && spec.default_text->empty() &&
         (spec.type == OptionType::string_list || spec.type == OptionType::string_map);
}

// The default, checked on its own terms and then given to the engine's option checking as if a
// user had written it in a pipeline file.
void expect_default_is_valid(const std::string& owner, const OptionSpec& spec) {
  SCOPED_TRACE(owner + " option '" + spec.name + "', default '" + spec.default_text.value_or("(none)") + "'");
  if (!spec.default_text || empty_collection_default(spec)) return;  // required, or an empty list/map

  if (spec.type != OptionType::string_list && spec.type != OptionType::string_map) {
    std::string expected;
    const auto value = parse_scalar_option(spec.type, *spec.default_text, expected);
    ASSERT_TRUE(value) << "the default is not " << expected;
    if (const auto m = magnitude(*value)) {
      if (spec.minimum) {
        EXPECT_GE(*m, *spec.minimum) << "the default is below the option's minimum";
      }
      if (spec.maximum) {
        EXPECT_LE(*m, *spec.maximum) << "the default is above the option's maximum";
      }
    }
    if (!spec.choices.empty()) {
      EXPECT_THAT(spec.choices, ::testing::Contains(*spec.default_text)) << "the default is not one of the choices";
    }
  }

  // The same text through the path a user's value takes: type, range and choices at once.
  OptionTable one;
  one.add(spec.name, spec.type, spec.description) = spec;
  YAML::Node map(YAML::NodeType::Map);
  map[spec.name] = *spec.default_text;
  std::vector<config::Diagnostic> diagnostics;
  const config::EnvLookup no_env = [](const std::string&) { return std::optional<std::string>(); };
  const config::ValidationScope scope{"defaults", owner, &no_env, &diagnostics};
  (void)config::validate_options(one, map, {}, scope);
  for (const auto& d : diagnostics) ADD_FAILURE() << "refused as a user's value: " << d.message;
}

void expect_defaults_are_valid(const std::string& owner, const OptionTable& table) {
  for (const auto& spec : table.specs()) expect_default_is_valid(owner, spec);
}

TEST(OptionDefaults, EveryComponentsDefaultsLieWithinTheirOwnRangesAndChoices) {
  plugins::PluginRegistry registry;
  registry.scan({SLUICE_TEST_PLUGIN_DIR});  // as `sluice --plugin-dir build/lib/sluice/plugins` does
  EXPECT_THAT(registry.problems(), ::testing::IsEmpty());
  std::vector<std::string> checked;
  std::size_t defaults = 0;
  for (const auto* entry : registry.entries()) {
    const std::string owner = std::string(component_kind_name(entry->spec->kind)) + " " + entry->spec->type;
    expect_defaults_are_valid(owner, entry->spec->options);
    for (const auto& spec : entry->spec->options.specs())
      defaults += spec.default_text && !empty_collection_default(spec);
    checked.push_back(owner);
  }
  EXPECT_THAT(checked, ::testing::UnorderedElementsAre("source generator", "source http", "source inproc",
                                                       "source kafka", "transform aggregate", "transform enrich",
                                                       "transform json_validate", "sink drop", "sink http",
                                                       "sink inproc", "sink kafka", "sink stdout", "sink websocket"))
      << "every built-in component, each once";
  EXPECT_GE(defaults, 60u) << "the tables were read (about 90 defaults today)";
}

TEST(OptionDefaults, TheEnginesOwnSettingsDefaultsLieWithinTheirRanges) {
  expect_defaults_are_valid("engine", config::engine_settings_table());
  expect_defaults_are_valid("pipeline", config::pipeline_settings_table());
  expect_defaults_are_valid("dead_letter", config::dead_letter_settings_table());
}

// The check itself can fail: a table whose defaults break their own rules is refused.
TEST(OptionDefaults, ADefaultOutsideItsRangeOrChoicesIsCaught) {
  OptionTable bad;
  bad.add("interval", OptionType::duration, "d").default_to("10ms").at_least(50);
  bad.add("mode", OptionType::string, "d").default_to("fast").one_of({"slow", "steady"});
  bad.add("count", OptionType::integer, "d").default_to("2000").at_most(1000);
  bad.add("rate", OptionType::floating, "d").default_to("lots");
  for (const auto& spec : bad.specs()) {
    ::testing::TestPartResultArray failures;
    {
      ::testing::ScopedFakeTestPartResultReporter reporter(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      expect_default_is_valid("bad", spec);
    }
    EXPECT_GE(failures.size(), 1) << spec.name << " passed";
  }
}

}  // namespace
}  // namespace sluice
