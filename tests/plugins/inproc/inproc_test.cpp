// `inproc` source and sink: pipelines of one engine connected in-process, acknowledged end to end.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine_harness.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;

const std::string kChain = R"(pipelines:
  upstream:
    source: {type: scripted, name: src}
    sinks: [{type: inproc, channel: bus}]
  downstream:
    source: {type: inproc, channel: bus}
    sinks: [SINK]
)";

std::string chain(const std::string& sink) {
  std::string yaml = kChain;
  yaml.replace(yaml.find("SINK"), 4, sink);
  return yaml;
}

TEST(Inproc, AFiniteUpstreamDrainsThroughTheChainAndEverythingEnds) {
  reset_test_components();
  auto engine = make_engine(R"(pipelines:
  upstream:
    source: {type: generator, count: 500, batch_size: 50}
    sinks: [{type: inproc, channel: bus}]
  downstream:
    source: {type: inproc, channel: bus}
    sinks: [{type: capture, name: out}]
)");
  EXPECT_EQ(engine->run(), 0) << "the downstream pipeline closes once its only writer is done";
  EXPECT_EQ(capture_store("out")->size(), 500u);
}

TEST(Inproc, UpstreamIsAckedOnlyWhenDownstreamDelivered) {
  auto [engine, source, acks] = start_scripted(chain("{type: gate, name: out}"));
  ASSERT_TRUE(source->emit({"a", "b"}));
  ASSERT_TRUE(eventually([] { return gate("out")->held_batches() == 1; }));
  EXPECT_EQ(acks->answered(), 0u) << "the downstream sink has not confirmed yet";
  gate("out")->release_all();
  ASSERT_TRUE(acks->wait_for(1));
  EXPECT_TRUE(acks->results[0].ok);
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 0);
}

TEST(Inproc, DownstreamFailureReachesTheUpstreamSource) {
  auto [engine, source, acks] = start_scripted(chain("{type: fail}"));
  ASSERT_TRUE(source->emit({"a"}));
  ASSERT_TRUE(acks->wait_for(1));
  EXPECT_FALSE(acks->results[0].ok);
  EXPECT_EQ(acks->results[0].reason, "sinks[0] inproc: sinks[0] fail: boom");
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 1) << "the upstream pipeline could deliver nothing";
}

TEST(Inproc, ShutdownDrainsUpstreamIntoDownstream) {
  auto [engine, source, acks] = start_scripted(chain("{type: capture, name: out}"));
  Producer producer(source);
  ASSERT_TRUE(eventually([] { return capture_store("out")->size() >= 1000; }));
  engine->request_stop();
  const std::size_t taken = producer.join();
  EXPECT_EQ(engine->wait(), 0);
  EXPECT_EQ(capture_store("out")->size(), taken);
  EXPECT_EQ(acks->acked_events, taken);
}

TEST(Inproc, AChannelHasOneReader) {
  try {
    (void)make_engine(R"(pipelines:
  a:
    source: {type: inproc, channel: bus}
    sinks: [{type: drop}]
  b:
    source: {type: inproc, channel: bus}
    sinks: [{type: drop}]
)");
    FAIL() << "expected an error";
  } catch (const config::ConfigErrors& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].at.line, 6);
    EXPECT_THAT(e.diagnostics()[0].message, HasSubstr("channel 'bus' already has an inproc source"));
  }
}

TEST(Inproc, WritingToAChannelNobodyReadsIsANack) {
  auto [engine, source, acks] =
      start_scripted(chain("{type: capture, name: out}"), runtime::EngineOptions{{"upstream"}, {}});
  ASSERT_TRUE(source->emit({"a"}));
  ASSERT_TRUE(acks->wait_for(1));
  EXPECT_FALSE(acks->results[0].ok);
  EXPECT_THAT(acks->results[0].reason, HasSubstr("no inproc source reads channel 'bus'"));
  engine->request_stop();
  EXPECT_EQ(engine->wait(), 1) << "the upstream pipeline could deliver nothing";
}

}  // namespace
}  // namespace sluice::test
