// The generator's `rate` (README: "Events per second"), as behaviour: the events it makes are
// spread over the time the rate says, judged by the time each was made ({{timestamp_ms}}), not by
// how long the engine took. Low rates make one event per batch, high ones batches of about 10 ms:
// both are paced. The tolerance (±30% of a 3 s span) leaves room for a busy machine; a generator
// that ignores its rate makes every event within a few milliseconds.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_harness.hpp"

namespace sluice::test {
namespace {

// Runs a generator with `rate` and `count` into a capture sink; returns the events' timestamps.
std::vector<std::int64_t> made_at(double rate, int count) {
  reset_test_components();
  auto engine = make_engine("pipelines:\n  p:\n    source: {type: generator, rate: " + std::to_string(rate) +
                            ", count: " + std::to_string(count) +
                            ", payload: '{\"seq\":{{seq}},\"at\":{{timestamp_ms}}}'}\n"
                            "    sinks: [{type: capture, name: out}]\n");
  EXPECT_EQ(engine->run(), 0);
  std::vector<std::int64_t> at;
  for (const auto& p : capture_store("out")->snapshot())
    at.push_back(nlohmann::json::parse(p)["at"].get<std::int64_t>());
  return at;
}

// Events n+1.. are due n/rate seconds after the first: the span from first to last is
// (count - per_batch) / rate, where per_batch is the events made at once.
void expect_paced(const std::vector<std::int64_t>& at, double rate, int count, int per_batch) {
  ASSERT_EQ(at.size(), static_cast<std::size_t>(count));
  const double expected_ms = 1000.0 * (count - per_batch) / rate;
  const double span_ms = static_cast<double>(at.back() - at.front());
  EXPECT_GE(span_ms, 0.7 * expected_ms) << "faster than its rate: " << count << " events in " << span_ms << " ms";
  EXPECT_LE(span_ms, 1.3 * expected_ms) << "slower than its rate: " << count << " events in " << span_ms << " ms";
  // And evenly, not in a burst at the end: half the events are made in the first half of the span.
  const std::int64_t middle = at.front() + static_cast<std::int64_t>(expected_ms / 2);
  const auto first_half = std::count_if(at.begin(), at.end(), [&](std::int64_t t) { return t <= middle; });
  EXPECT_GE(first_half, 0.3 * count) << "paced evenly";
  EXPECT_LE(first_half, 0.7 * count) << "paced evenly";
}

TEST(GeneratorRate, ALowRateMakesOneEventAtATimeSpacedByOneOverTheRate) {
  // 50/s: one event per batch, 20 ms apart; 151 events span 3 s.
  expect_paced(made_at(50, 151), 50, 151, 1);
}

TEST(GeneratorRate, AHighRateMakesBatchesOfAboutTenMillisecondsAtThatRate) {
  // 5000/s: batches of 50 (10 ms of events); 15,050 events span 3 s.
  expect_paced(made_at(5000, 15050), 5000, 15050, 50);
}

}  // namespace
}  // namespace sluice::test
