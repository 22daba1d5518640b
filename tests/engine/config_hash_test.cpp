// The reload's diff: which differences between two configurations of a pipeline restart it.

#include <gtest/gtest.h>

#include "config/config_hash.hpp"
#include "config/config_loader.hpp"
#include "test_components.hpp"

namespace sluice::config {
namespace {

PipelineConfig only_pipeline(const std::string& yaml, const EnvLookup& env = process_environment()) {
  return load_config_string(yaml, "test.yaml", test::test_registry(), env).pipelines.at(0);
}

const char* const kBase = R"(pipelines:
  p:
    source:
      type: generator
      rate: 10
    sinks:
      - type: stdout
)";

TEST(ConfigHash, SameConfigurationSameHashWhereverItIsWritten) {
  const auto a = only_pipeline(kBase);
  // Moved down the file, the rate spelt as a default would: the same pipeline.
  const auto b = only_pipeline("\n\n# a comment\n" + std::string(kBase));
  EXPECT_EQ(pipeline_config_hash(a), pipeline_config_hash(b));
}

TEST(ConfigHash, AnOptionASettingOrAComponentChangesIt) {
  const auto base = pipeline_config_hash(only_pipeline(kBase));
  std::string rate = kBase;
  rate.replace(rate.find("rate: 10"), 8, "rate: 11");
  EXPECT_NE(base, pipeline_config_hash(only_pipeline(rate)));
  std::string setting = kBase;
  setting.replace(setting.find("    source"), 0, "    queue_capacity: 77\n");
  EXPECT_NE(base, pipeline_config_hash(only_pipeline(setting)));
  EXPECT_NE(base, pipeline_config_hash(only_pipeline(std::string(kBase) + "      - type: stdout\n")));
}

TEST(ConfigHash, ComparesTheResolvedValueOfEnvironmentVariables) {
  std::string yaml = kBase;
  yaml.replace(yaml.find("rate: 10"), 8, "rate: ${RATE}");
  const auto with = [&](const std::string& v) {
    return pipeline_config_hash(only_pipeline(yaml, [v](const std::string&) { return std::optional<std::string>(v); }));
  };
  EXPECT_EQ(with("10"), pipeline_config_hash(only_pipeline(kBase)));
  EXPECT_NE(with("10"), with("12"));
}

TEST(ConfigHash, ANewBuildOfALibraryChangesIt) {
  const auto p = only_pipeline(kBase);
  const auto build = [](std::string id) {
    return [id](ComponentKind kind, const std::string&) { return kind == ComponentKind::sink ? id : "gen"; };
  };
  EXPECT_EQ(pipeline_config_hash(p, build("stdout ino=1")), pipeline_config_hash(p, build("stdout ino=1")));
  EXPECT_NE(pipeline_config_hash(p, build("stdout ino=1")), pipeline_config_hash(p, build("stdout ino=2")));
}

TEST(ConfigHash, AnyBytesInAStringOption) {
  // A value that is not UTF-8 (the YAML parser passes raw bytes through) has a hash, its own.
  std::string yaml = kBase;
  yaml.replace(yaml.find("rate: 10"), 8, "rate: 10\n      payload: \"a\xff\"");
  std::string other = kBase;
  other.replace(other.find("rate: 10"), 8, "rate: 10\n      payload: \"a\xfe\"");
  EXPECT_NE(pipeline_config_hash(only_pipeline(yaml)), pipeline_config_hash(only_pipeline(other)));
}

}  // namespace
}  // namespace sluice::config
