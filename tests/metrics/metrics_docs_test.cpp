// The README's metrics reference comes from the code: the engine's table and what each plugin
// declares in ComponentSpec::metrics; and `engine.metrics` turns the counting off.

#include <gtest/gtest.h>

#include "cli/metrics_docs.hpp"
#include "config/config_loader.hpp"
#include "engine_harness.hpp"
#include "metrics/engine_metrics.hpp"

namespace sluice::test {
namespace {

class NoSink final : public Sink {
 public:
  NoSink(const Options&, Context&) {}
  void write(std::shared_ptr<const Batch>, Delivery done) override { done.complete(); }
};

TEST(MetricsDocs, ListTheEngineTableAndEachPluginsDeclaredMetricsOnce) {
  PluginManifest m;
  for (const char* type : {"wire_in", "wire_out"}) {
    auto spec = sink_component<NoSink>(type, "Test.", OptionTable{});
    spec.metrics.push_back({"sluice_wire_requests_total", MetricType::counter, "Requests | by code", {"code"}});
    m.add(std::move(spec));
  }
  plugins::PluginRegistry registry;
  registry.add(plugins::PluginLibrary::builtin("wire", "test", std::move(m)));
  const std::string md = cli::metrics_reference_markdown(registry);
  for (const auto& spec : metrics::engine_metric_table()) {
    EXPECT_NE(md.find("| `" + spec.name + "` |"), std::string::npos) << spec.name;
  }
  EXPECT_NE(md.find("| `sluice_wire_requests_total` | counter | `pipeline`, `component`, `type`, `code` | "
                    "`wire_in` sink, `wire_out` sink | Requests \\| by code |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("sluice_wire_requests_total"), md.rfind("sluice_wire_requests_total")) << "one row";
}

TEST(MetricsSetting, EngineMetricsIsOnByDefaultAndCanBeTurnedOff) {
  const std::string pipeline =
      "pipelines:\n  p:\n    source: {type: scripted, name: src}\n"
      "    sinks: [{type: capture, name: out}]\n";
  EXPECT_TRUE(config::load_config_string(pipeline, "t.yaml", test_registry()).engine.metrics);
  EXPECT_FALSE(
      config::load_config_string("engine: {metrics: false}\n" + pipeline, "t.yaml", test_registry()).engine.metrics);
}

}  // namespace
}  // namespace sluice::test
