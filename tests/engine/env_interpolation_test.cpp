// ${VAR} and ${VAR:-default} in pipeline files.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "config/env_interpolation.hpp"
#include "test_components.hpp"

namespace sluice::config {
namespace {

using ::testing::HasSubstr;

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string interpolated(std::string_view text, const EnvLookup& env) {
  std::string error;
  auto out = interpolate_env(text, env, error);
  EXPECT_TRUE(out.has_value()) << error;
  return out.value_or("");
}

std::string failure(std::string_view text, const EnvLookup& env) {
  std::string error;
  EXPECT_FALSE(interpolate_env(text, env, error).has_value());
  return error;
}

TEST(EnvInterpolation, ReplacesSetVariables) {
  const auto env = fake_env({{"HOST", "kafka"}, {"PORT", "9092"}});
  EXPECT_EQ(interpolated("${HOST}:${PORT}", env), "kafka:9092");
  EXPECT_EQ(interpolated("plain text", env), "plain text");
  EXPECT_EQ(interpolated("costs $5", env), "costs $5");
}

TEST(EnvInterpolation, DefaultsApplyWhenUnsetOrEmpty) {
  const auto env = fake_env({{"EMPTY", ""}, {"SET", "x"}});
  EXPECT_EQ(interpolated("${MISSING:-localhost:9092}", env), "localhost:9092");
  EXPECT_EQ(interpolated("${EMPTY:-fallback}", env), "fallback");
  EXPECT_EQ(interpolated("${SET:-fallback}", env), "x");
  EXPECT_EQ(interpolated("${MISSING:-}", env), "");
  EXPECT_EQ(interpolated("${EMPTY}", env), "") << "set but empty, without a default, is the empty value";
}

TEST(EnvInterpolation, DoubleDollarIsALiteral) {
  EXPECT_EQ(interpolated("$${NOT_A_VAR}", fake_env({})), "${NOT_A_VAR}");
}

TEST(EnvInterpolation, UnsetWithoutDefaultIsAnError) {
  EXPECT_THAT(failure("${NOPE}", fake_env({})), HasSubstr("environment variable NOPE is not set"));
  EXPECT_THAT(failure("${NOPE}", fake_env({})), HasSubstr("${NOPE:-default}"));
}

TEST(EnvInterpolation, MalformedReferences) {
  EXPECT_THAT(failure("${UNCLOSED", fake_env({})), HasSubstr("unterminated"));
  EXPECT_THAT(failure("${1BAD}", fake_env({})), HasSubstr("not a valid environment variable reference"));
  EXPECT_THAT(failure("${}", fake_env({})), HasSubstr("not a valid"));
}

TEST(EnvInterpolation, AppliesToOptionValuesBeforeTypeChecks) {
  const auto env = fake_env({{"RATE", "250"}});
  const Config c = load_config_string(
      "pipelines:\n  p:\n    source: { type: generator, rate: '${RATE}', count: '${COUNT:-7}' }\n    sinks: [{type: "
      "drop}]\n",
      "env.yaml", test::test_registry(), env);
  EXPECT_DOUBLE_EQ(c.pipelines[0].source.options.get_float("rate"), 250.0);
  EXPECT_EQ(c.pipelines[0].source.options.get_int("count"), 7);
}

TEST(EnvInterpolation, UnsetVariableInAFileIsLocated) {
  try {
    (void)load_config_string(
        "pipelines:\n  p:\n    source: { type: generator, rate: '${RATE}' }\n    sinks: [{type: drop}]\n", "env.yaml",
        test::test_registry(), fake_env({}));
    FAIL() << "expected an error";
  } catch (const ConfigErrors& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const auto& d = e.diagnostics()[0];
    EXPECT_EQ(d.at.line, 3);
    EXPECT_EQ(d.at.column, 38);
    EXPECT_THAT(d.message, HasSubstr("environment variable RATE is not set"));
  }
}

TEST(EnvInterpolation, InterpolatedValueIsTypeChecked) {
  try {
    (void)load_config_string(
        "pipelines:\n  p:\n    source: { type: generator, rate: '${RATE}' }\n    sinks: [{type: drop}]\n", "env.yaml",
        test::test_registry(), fake_env({{"RATE", "lots"}}));
    FAIL() << "expected an error";
  } catch (const ConfigErrors& e) {
    EXPECT_EQ(e.diagnostics()[0].message, "option 'rate' expects a number, got 'lots'");
  }
}

}  // namespace
}  // namespace sluice::config
