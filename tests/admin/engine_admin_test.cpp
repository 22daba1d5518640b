// GET /ready and GET /pipelines from a real engine's status: states, sinks' readiness, counts and
// configuration hashes; and the `engine.admin` settings.

#include <gtest/gtest.h>

#include "admin/engine_admin.hpp"
#include "config/config_hash.hpp"
#include "config/config_loader.hpp"
#include "test_components.hpp"
#include "wait.hpp"

namespace sluice::admin {
namespace {

std::atomic<bool> g_sink_ready{false};

// A sink whose readiness the test sets, as a Kafka sink's follows its broker.
class ReadinessSink final : public Sink {
 public:
  ReadinessSink(const Options&, Context&) {}
  void write(std::shared_ptr<const Batch>, Delivery done) override { done.complete(); }
  bool ready(std::string& why) const override {
    if (g_sink_ready) return true;
    why = "broker down";
    return false;
  }
};

plugins::PluginRegistry& registry() {
  static plugins::PluginRegistry r = [] {
    plugins::PluginRegistry reg;
    reg.add(test::test_library());
    PluginManifest m;
    m.add(sink_component<ReadinessSink>("readiness", "Ready when the test says so.", OptionTable{}));
    reg.add(plugins::PluginLibrary::builtin("admin-test", "admin test components", std::move(m)));
    return reg;
  }();
  return r;
}

constexpr const char* kTwoPipelines = R"(pipelines:
  a:
    source: { type: scripted, name: src }
    sinks: [ { type: capture, name: out } ]
  b:
    source: { type: scripted, name: src_b }
    sinks: [ { type: readiness } ]
)";

const nlohmann::json* find_pipeline(const nlohmann::json& j, const std::string& name) {
  for (const auto& p : j["pipelines"]) {
    if (p["name"] == name) return &p;
  }
  return nullptr;
}

TEST(EngineAdmin, ReadyOnlyWhenEveryPipelineRunsAndEverySinkIsReady) {
  test::reset_test_components();
  g_sink_ready = false;
  const auto config = config::load_config_string(kTwoPipelines, "test.yaml", registry());
  runtime::Engine engine(config, registry());

  auto before = readiness(engine.status());
  EXPECT_FALSE(before.ready);
  EXPECT_EQ(before.body["pipelines"]["a"], "starting");

  engine.start();
  auto down = readiness(engine.status());
  EXPECT_FALSE(down.ready);
  ASSERT_EQ(down.body["not_ready"].size(), 1u) << down.body.dump();
  EXPECT_EQ(down.body["not_ready"][0]["pipeline"], "b");
  EXPECT_EQ(down.body["not_ready"][0]["state"], "running");
  EXPECT_NE(down.body["not_ready"][0]["sinks"].get<std::string>().find("broker down"), std::string::npos);

  g_sink_ready = true;
  auto up = readiness(engine.status());
  EXPECT_TRUE(up.ready) << up.body.dump();
  EXPECT_EQ(up.body["status"], "ready");

  engine.request_stop();
  EXPECT_EQ(engine.wait(), 0);
  auto after = readiness(engine.status());
  EXPECT_FALSE(after.ready);
  EXPECT_EQ(after.body["pipelines"]["a"], "stopped");
}

TEST(EngineAdmin, PipelinesShowStateHashAndCounts) {
  test::reset_test_components();
  g_sink_ready = true;
  const auto config = config::load_config_string(kTwoPipelines, "test.yaml", registry());
  runtime::Engine engine(config, registry());
  engine.start();
  auto* source = test::scripted_source("src");
  ASSERT_NE(source, nullptr);
  ASSERT_TRUE(source->emit({"x", "y", "z"}));
  ASSERT_TRUE(test::eventually([&] { return test::capture_store("out")->size() == 3; }));

  const auto j = pipelines_json(engine.status());
  const auto* a = find_pipeline(j, "a");
  ASSERT_NE(a, nullptr) << j.dump();
  EXPECT_EQ((*a)["state"], "running");
  EXPECT_EQ((*a)["ready"], true);
  // The hash a reload compares: the resolved configuration and the build of each component's library.
  const auto hashes = engine.pipeline_hashes();
  ASSERT_FALSE(hashes.empty());
  EXPECT_EQ(hashes[0].first, "a");
  EXPECT_EQ((*a)["config_hash"], hashes[0].second);
  EXPECT_EQ((*a)["config_hash"].get<std::string>().size(), 16u);
  EXPECT_EQ((*a)["counts"]["received"], 3);
  EXPECT_EQ((*a)["counts"]["to_sinks"], 3);
  ASSERT_EQ((*a)["components"].size(), 2u);
  EXPECT_EQ((*a)["components"][0]["label"], "source scripted");
  EXPECT_EQ((*a)["components"][0]["received_events"], 3);
  EXPECT_EQ((*a)["components"][1]["type"], "capture");
  EXPECT_EQ((*a)["components"][1]["received_events"], 3);
  const auto* b = find_pipeline(j, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*b)["counts"]["received"], 0);
  EXPECT_NE((*a)["config_hash"], (*b)["config_hash"]);

  engine.request_stop();
  EXPECT_EQ(engine.wait(), 0);
}

TEST(ConfigHash, ChangesWithAnyOptionAndOnlyThen) {
  const auto load = [](const std::string& batch) {
    return config::load_config_string(
        "pipelines:\n  a:\n    batch_max_events: " + batch +
            "\n    source: { type: scripted, name: s }\n    sinks: [ { type: capture, name: c } ]\n",
        "test.yaml", registry());
  };
  const auto one = config::pipeline_config_hash(load("10").pipelines[0]);
  EXPECT_EQ(one.size(), 16u);
  EXPECT_EQ(one, config::pipeline_config_hash(load("10").pipelines[0]));
  EXPECT_NE(one, config::pipeline_config_hash(load("11").pipelines[0]));
  const auto other_sink = config::load_config_string(
      "pipelines:\n  a:\n    batch_max_events: 10\n    source: { type: scripted, name: s }\n"
      "    sinks: [ { type: capture, name: d } ]\n",
      "test.yaml", registry());
  EXPECT_NE(one, config::pipeline_config_hash(other_sink.pipelines[0]));
}

TEST(AdminSettings, ListenDefaultsGivenEmptyAndRefused) {
  const std::string pipelines =
      "pipelines:\n  a:\n    source: { type: scripted, name: s }\n    sinks: [ { type: capture, name: c } ]\n";
  const auto plain = config::load_config_string(pipelines, "test.yaml", registry());
  EXPECT_EQ(plain.engine.admin_listen, "127.0.0.1:9600");
  EXPECT_FALSE(plain.engine.admin_listen_given);

  const auto given =
      config::load_config_string("engine:\n  admin:\n    listen: 127.0.0.1:0\n" + pipelines, "test.yaml", registry());
  EXPECT_EQ(given.engine.admin_listen, "127.0.0.1:0");
  EXPECT_TRUE(given.engine.admin_listen_given);

  const auto off =
      config::load_config_string("engine:\n  admin:\n    listen: \"\"\n" + pipelines, "test.yaml", registry());
  EXPECT_EQ(off.engine.admin_listen, "");

  try {
    (void)config::load_config_string("engine:\n  admin:\n    listn: 127.0.0.1:1\n" + pipelines, "test.yaml",
                                     registry());
    FAIL() << "an unknown admin key was taken";
  } catch (const config::ConfigErrors& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_NE(e.diagnostics()[0].message.find("listen"), std::string::npos) << e.diagnostics()[0].message;
    EXPECT_EQ(e.diagnostics()[0].at.line, 3);
  }
}

}  // namespace
}  // namespace sluice::admin
