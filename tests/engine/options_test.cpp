// Option parsing rules, and the promise that every option of every component is documented and
// has a valid default.

#include <gtest/gtest.h>

#include "config/engine_settings.hpp"
#include "config/suggest.hpp"
#include "sluice/options.hpp"
#include "test_components.hpp"

namespace sluice {
namespace {

std::optional<OptionValue> parse(OptionType t, std::string_view text) {
  std::string expected;
  return parse_scalar_option(t, text, expected);
}

TEST(Options, Durations) {
  EXPECT_EQ(std::get<Duration>(*parse(OptionType::duration, "250ms")), Duration(250));
  EXPECT_EQ(std::get<Duration>(*parse(OptionType::duration, "5s")), Duration(5000));
  EXPECT_EQ(std::get<Duration>(*parse(OptionType::duration, "1.5s")), Duration(1500));
  EXPECT_EQ(std::get<Duration>(*parse(OptionType::duration, "2m")), Duration(120000));
  EXPECT_EQ(std::get<Duration>(*parse(OptionType::duration, "1h")), Duration(3600000));
  EXPECT_EQ(std::get<Duration>(*parse(OptionType::duration, "0")), Duration(0));
  EXPECT_FALSE(parse(OptionType::duration, "5"));
  EXPECT_FALSE(parse(OptionType::duration, "5 parsecs"));
  EXPECT_FALSE(parse(OptionType::duration, "-1s"));
}

TEST(Options, Sizes) {
  EXPECT_EQ(std::get<std::int64_t>(*parse(OptionType::bytes, "4096")), 4096);
  EXPECT_EQ(std::get<std::int64_t>(*parse(OptionType::bytes, "64KiB")), 65536);
  EXPECT_EQ(std::get<std::int64_t>(*parse(OptionType::bytes, "1MiB")), 1048576);
  EXPECT_FALSE(parse(OptionType::bytes, "1.3B"));
  EXPECT_FALSE(parse(OptionType::bytes, "lots"));
}

TEST(Options, NumbersAndBooleans) {
  EXPECT_EQ(std::get<std::int64_t>(*parse(OptionType::integer, "-12")), -12);
  EXPECT_FALSE(parse(OptionType::integer, "12.5"));
  EXPECT_FALSE(parse(OptionType::integer, "12abc"));
  EXPECT_FALSE(parse(OptionType::integer, ""));
  EXPECT_DOUBLE_EQ(std::get<double>(*parse(OptionType::floating, "0.25")), 0.25);
  EXPECT_FALSE(parse(OptionType::floating, "nan"));
  EXPECT_TRUE(std::get<bool>(*parse(OptionType::boolean, "true")));
  EXPECT_FALSE(parse(OptionType::boolean, "maybe"));
}

TEST(Options, ReadingAnUndeclaredOptionIsAPluginBug) {
  Options o;
  o.set("a", std::int64_t{1});
  EXPECT_EQ(o.get_int("a"), 1);
  EXPECT_THROW(o.get_string("a"), std::logic_error);
  EXPECT_THROW(o.get_int("b"), std::logic_error);
}

TEST(Options, Suggestions) {
  EXPECT_EQ(config::closest_match("generatr", {"generator", "inproc"}), "generator");
  EXPECT_EQ(config::closest_match("STDOUT", {"stdout", "drop"}), "stdout");
  EXPECT_EQ(config::closest_match("xyz", {"generator", "inproc"}), std::nullopt);
  EXPECT_EQ(config::did_you_mean("kafak", {"kafka"}), " (did you mean 'kafka'?)");
}

// Vector's rule: every option documented, every default valid. Checked over every component the
// build produced, so a new plugin cannot skip it.
void expect_table_is_complete(const std::string& owner, const OptionTable& table) {
  for (const auto& spec : table.specs()) {
    SCOPED_TRACE(owner + " option " + spec.name);
    EXPECT_FALSE(spec.description.empty());
    EXPECT_TRUE(spec.default_text || spec.is_required) << "an option needs a default or must be required";
    if (spec.default_text && !(spec.default_text->empty() &&
                               (spec.type == OptionType::string_list || spec.type == OptionType::string_map))) {
      std::string expected;
      EXPECT_TRUE(parse_scalar_option(spec.type, *spec.default_text, expected)) << "default is not " << expected;
    }
  }
}

TEST(Options, EveryComponentOptionIsDocumentedWithAValidDefault) {
  std::size_t checked = 0;
  for (const auto* entry : test::test_registry().entries()) {
    if (entry->library->name() == "test") continue;
    expect_table_is_complete(entry->spec->type, entry->spec->options);
    EXPECT_FALSE(entry->spec->summary.empty()) << entry->spec->type;
    ++checked;
  }
  EXPECT_GE(checked, 5u) << "generator, inproc x2, stdout, drop";
  expect_table_is_complete("engine", config::engine_settings_table());
  expect_table_is_complete("pipeline", config::pipeline_settings_table());
  expect_table_is_complete("dead_letter", config::dead_letter_settings_table());
}

}  // namespace
}  // namespace sluice
