// A valid pipeline file becomes typed, defaulted configuration.

#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "config/option_validation.hpp"
#include "test_components.hpp"

namespace sluice::config {
namespace {

using test::test_registry;

TEST(Config, LoadsPipelinesWithTypedOptionsAndDefaults) {
  const Config c = load_config_string(R"(engine:
  shutdown_timeout: 5s
  io_threads: 2
pipelines:
  demo:
    queue_capacity: 500
    batch_max_wait: 5ms
    source: { type: generator, rate: 1000, count: 10000, payload: '{"page":"demo"}' }
    transforms:
      - { type: reject, marker: nope }
    sinks:
      - { type: stdout }
      - { type: drop }
  second:
    source: { type: inproc, channel: c }
    sinks: [ { type: drop } ]
)",
                                      "demo.yaml", test_registry());
  EXPECT_EQ(c.engine.shutdown_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.engine.io_threads, 2);
  ASSERT_EQ(c.pipelines.size(), 2u);
  const PipelineConfig& demo = c.pipelines[0];
  EXPECT_EQ(demo.name, "demo");
  EXPECT_EQ(demo.settings.queue_capacity, 500);
  EXPECT_EQ(demo.settings.batch_max_wait, std::chrono::milliseconds(5));
  EXPECT_EQ(demo.settings.batch_max_events, 1024) << "default from the pipeline settings table";
  EXPECT_EQ(demo.source.type, "generator");
  EXPECT_DOUBLE_EQ(demo.source.options.get_float("rate"), 1000.0);
  EXPECT_EQ(demo.source.options.get_int("count"), 10000);
  EXPECT_EQ(demo.source.options.get_string("payload"), R"({"page":"demo"})");
  EXPECT_EQ(demo.source.options.get_int("batch_size"), 100) << "default filled in";
  EXPECT_EQ(demo.source.at.line, 8);
  ASSERT_EQ(demo.transforms.size(), 1u);
  EXPECT_EQ(demo.transforms[0].options.get_string("marker"), "nope");
  EXPECT_EQ(demo.transforms[0].label, "transforms[0] reject");
  ASSERT_EQ(demo.sinks.size(), 2u);
  EXPECT_EQ(demo.sinks[1].label, "sinks[1] drop");
  EXPECT_EQ(c.pipelines[1].source.options.get_string("channel"), "c");
}

TEST(Config, EngineSectionIsOptional) {
  const Config c = load_config_string("pipelines:\n  p:\n    source: {type: generator}\n    sinks: [{type: drop}]\n",
                                      "x.yaml", test_registry());
  EXPECT_EQ(c.engine.shutdown_timeout, std::chrono::seconds(30));
  EXPECT_EQ(c.pipelines[0].settings.queue_capacity, 10000);
}

TEST(Config, StringListAndMapOptions) {
  OptionTable table;
  table.add("topics", OptionType::string_list, "topics").required();
  table.add("props", OptionType::string_map, "props").default_to("");
  table.add("one", OptionType::string_list, "a single scalar is a list of one").required();
  std::vector<Diagnostic> diagnostics;
  const EnvLookup env = process_environment();
  ValidationScope scope{"f.yaml", "here", &env, &diagnostics};
  auto node = YAML::Load("{topics: [a, b], props: {x: '1', y: two}, one: solo}");
  auto v = validate_options(table, node, {}, scope);
  ASSERT_TRUE(diagnostics.empty()) << diagnostics[0].format();
  EXPECT_EQ(v.options.get_list("topics"), (StringList{"a", "b"}));
  EXPECT_EQ(v.options.get_map("props"), (StringMap{{"x", "1"}, {"y", "two"}}));
  EXPECT_EQ(v.options.get_list("one"), (StringList{"solo"}));
}

}  // namespace
}  // namespace sluice::config
