// Option bounds are shown as a user writes them for that option: a duration's in its unit, a
// size's in binary units, an integer's with every digit. The table stores them as numbers of
// milliseconds or bytes; the docs (`sluice plugins --markdown`, `--describe`) used to print those
// numbers as they were ("At least 1000." for a duration of 1s, "2.14748e+09" for 2147483647).

#include <regex>
#include <variant>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/plugin_docs.hpp"
#include "config/engine_settings.hpp"
#include "plugins/plugin_registry.hpp"
#include "sluice/options.hpp"

namespace sluice {
namespace {

using ::testing::HasSubstr;

TEST(OptionBounds, ADurationIsShownInItsLargestExactUnit) {
  EXPECT_EQ(format_option_bound(OptionType::duration, 0), "0");
  EXPECT_EQ(format_option_bound(OptionType::duration, 1), "1ms");
  EXPECT_EQ(format_option_bound(OptionType::duration, 500), "500ms");
  EXPECT_EQ(format_option_bound(OptionType::duration, 1000), "1s");
  EXPECT_EQ(format_option_bound(OptionType::duration, 1500), "1500ms");
  EXPECT_EQ(format_option_bound(OptionType::duration, 900000), "15m");
  EXPECT_EQ(format_option_bound(OptionType::duration, 7200000), "2h");
}

TEST(OptionBounds, ASizeIsShownInBinaryUnitsOrAsPlainBytes) {
  EXPECT_EQ(format_option_bound(OptionType::bytes, 0), "0");
  EXPECT_EQ(format_option_bound(OptionType::bytes, 125), "125");
  EXPECT_EQ(format_option_bound(OptionType::bytes, 4096), "4KiB");
  EXPECT_EQ(format_option_bound(OptionType::bytes, 1024 * 1024), "1MiB");
  EXPECT_EQ(format_option_bound(OptionType::bytes, 3.0 * 1024 * 1024 * 1024), "3GiB");
  EXPECT_EQ(format_option_bound(OptionType::bytes, 2147483647), "2147483647");
}

TEST(OptionBounds, AnIntegerIsShownWithEveryDigit) {
  EXPECT_EQ(format_option_bound(OptionType::integer, 2147483647), "2147483647");
  EXPECT_EQ(format_option_bound(OptionType::integer, 10000000), "10000000");
  EXPECT_EQ(format_option_bound(OptionType::integer, -5), "-5");
}

TEST(OptionBounds, ANumberIsShownInItsShortestExactForm) {
  EXPECT_EQ(format_option_bound(OptionType::floating, 0), "0");
  EXPECT_EQ(format_option_bound(OptionType::floating, 0.25), "0.25");
  EXPECT_EQ(format_option_bound(OptionType::floating, 1234567.5), "1234567.5");
}

// The value an option's parser gives, as the number the table's bounds are in.
double magnitude(const OptionValue& v) {
  if (auto d = std::get_if<Duration>(&v)) return static_cast<double>(d->count());
  if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (auto f = std::get_if<double>(&v)) return *f;
  ADD_FAILURE() << "a bound on an option that is not a number";
  return -1;
}

void expect_bounds_read_back(const std::string& where, const OptionTable& table) {
  for (const auto& spec : table.specs()) {
    for (const auto& bound : {spec.minimum, spec.maximum}) {
      if (!bound) continue;
      const std::string text = format_option_bound(spec.type, *bound);
      std::string expected;
      const auto parsed = parse_scalar_option(spec.type, text, expected);
      ASSERT_TRUE(parsed) << where << " " << spec.name << ": its bound is shown as '" << text
                          << "', which the option does not accept (" << expected << ")";
      EXPECT_EQ(magnitude(*parsed), *bound) << where << " " << spec.name << ": '" << text << "'";
    }
  }
}

// Every bound in the reference is text the option itself accepts, meaning exactly the bound.
TEST(OptionBounds, EveryBoundShownReadsBackAsItself) {
  plugins::PluginRegistry registry;
  registry.scan({SLUICE_TEST_PLUGIN_DIR});
  ASSERT_TRUE(registry.problems().empty());
  expect_bounds_read_back("engine", config::engine_settings_table());
  expect_bounds_read_back("pipeline", config::pipeline_settings_table());
  expect_bounds_read_back("dead_letter", config::dead_letter_settings_table());
  for (const auto* entry : registry.entries()) expect_bounds_read_back(entry->spec->type, entry->spec->options);
}

TEST(OptionBounds, TheReferenceSaysOneSecondAndEveryDigit) {
  plugins::PluginRegistry registry;
  registry.scan({SLUICE_TEST_PLUGIN_DIR});
  const std::string md = cli::plugin_reference_markdown(registry);
  EXPECT_TRUE(std::regex_search(md, std::regex(R"(\| `retry_after` \| duration \| `1s` \| [^|\n]* At least 1s\. \|)")))
      << md;
  EXPECT_TRUE(std::regex_search(md, std::regex(R"(\| `batch_size` \| size \|[^\n]* Range 1 to 2147483647\. \|)")))
      << md;
  EXPECT_TRUE(std::regex_search(md, std::regex(R"(\| `linger_ms` \| duration \|[^\n]* Range 0 to 15m\. \|)"))) << md;
  // No bound in e-notation anywhere.
  EXPECT_FALSE(std::regex_search(md, std::regex(R"((At least|At most|Range) [^|\n]*\de[+-]\d)"))) << md;
}

}  // namespace
}  // namespace sluice
