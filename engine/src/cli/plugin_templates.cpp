#include "cli/plugin_templates.hpp"

namespace sluice::cli {
namespace {

// Every kind's folder has these two; the component, its test and the example pipeline differ.
const char* const kCMakeLists =
    R"sluice(# The @NAME@ plugin (a @KIND@), built against an installed Sluice: `cmake --install` of Sluice's build,
# or the sluice-dev package. Give its prefix when it is not a standard one:
#   cmake -S . -B build -DCMAKE_PREFIX_PATH=/where/sluice/is && cmake --build build && ctest --test-dir build
#   sluice --plugin-dir build/plugins run pipeline.yaml
# `cmake --install build` puts the plugin into lib/sluice/plugins of CMAKE_INSTALL_PREFIX, where an
# engine installed in that prefix finds it by itself.
cmake_minimum_required(VERSION 3.25)
project(@NAME@ LANGUAGES CXX)

find_package(Sluice @VERSION@ REQUIRED)  # COMPONENTS asio, to include sluice/asio.hpp

sluice_add_plugin(@NAME@ SOURCES @NAME@_plugin.cpp @NAME@.cpp)  # ASIO, with that component
target_compile_options(@NAME@ PRIVATE -Wall -Wextra)

include(CTest)
if(BUILD_TESTING)
  find_package(GTest REQUIRED)
  include(GoogleTest)
  add_executable(@NAME@_test @NAME@_test.cpp @NAME@.cpp)
  target_link_libraries(@NAME@_test PRIVATE Sluice::sdk GTest::gtest_main)
  target_compile_options(@NAME@_test PRIVATE -Wall -Wextra)
  gtest_discover_tests(@NAME@_test)
endif()
)sluice";

const char* const kPlugin =
    R"sluice(// The @NAME@ plugin's entry point. The engine reads the library's ABI record before it runs any of
// its code, then calls this to learn its components. One library may declare several.
#include "@NAME@.hpp"

SLUICE_PLUGIN("@NAME@", "The @NAME@ plugin") {
  manifest.add(sluice::@KIND@_component<@NAME@_plugin::@CLASS@>("@NAME@", @SUMMARY@, @NAME@_plugin::options()));
}
)sluice";

// Shared by the tests: the options the engine would give a component.
const char* const kTestOptions = R"sluice(
// The options the engine would give: every default of the option table, then the test's values.
sluice::Options options_of(std::map<std::string, sluice::OptionValue> values) {
  sluice::Options out;
  const sluice::OptionTable table = options();
  for (const auto& spec : table.specs()) {
    std::string expected;
    if (spec.default_text) {
      if (auto v = sluice::parse_scalar_option(spec.type, *spec.default_text, expected)) out.set(spec.name, std::move(*v));
    }
  }
  for (auto& [name, value] : values) out.set(name, std::move(value));
  return out;
}
)sluice";

const char* const kSourceHeader = R"sluice(#pragma once
// `@NAME@` source: emits `count` events, {"seq":N,"message":...}, then closes. Replace run() with
// what the source reads. The contract (which thread calls what, acks) is in sluice/component.hpp.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "sluice/sdk.hpp"

namespace @NAME@_plugin {

// The option table: validation, `sluice plugins --describe @NAME@` and docs all come from it.
sluice::OptionTable options();

class @CLASS@ final : public sluice::Source {
 public:
  @CLASS@(const sluice::Options& options, sluice::Context& context);
  ~@CLASS@() override;
  void start(sluice::Emitter& out) override;
  void stop() override;

 private:
  void run(sluice::Emitter& out);

  const std::int64_t count_;
  const std::string message_;
  sluice::Context& context_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace @NAME@_plugin
)sluice";

const char* const kSourceCpp = R"sluice(#include "@NAME@.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace @NAME@_plugin {

sluice::OptionTable options() {
  sluice::OptionTable t;
  t.add("count", sluice::OptionType::integer, "Events to emit before the source closes")
      .default_to("10").at_least(0).at_most(1000000).example("100");
  t.add("message", sluice::OptionType::string, "The text each event carries").default_to("hello").example("hi");
  return t;
}

@CLASS@::@CLASS@(const sluice::Options& options, sluice::Context& context)
    : count_(options.get_int("count")), message_(options.get_string("message")), context_(context) {}

@CLASS@::~@CLASS@() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

// Threads start here, not in the constructor: `sluice validate` makes no component, and a
// component is made before the pipeline is ready for its events.
void @CLASS@::start(sluice::Emitter& out) {
  thread_ = std::thread([this, &out] { run(out); });
}

// Must not block: the thread sees the flag and closes the emitter.
void @CLASS@::stop() { stopping_ = true; }

void @CLASS@::run(sluice::Emitter& out) {
  for (std::int64_t seq = 1; seq <= count_ && !stopping_; ++seq) {
    std::vector<sluice::Event> events;
    events.emplace_back(nlohmann::json{{"seq", seq}, {"message", message_}}.dump());
    // Called once every sink has the event, or with why not. A source that can send an event
    // again (a queue, a client) does it here; this one only says so.
    sluice::AckFn on_ack = [this, seq](const sluice::AckResult& result) {
      if (!result.ok) context_.log.warn("event ", seq, " was not delivered: ", result.reason);
    };
    if (!out.emit(events, on_ack)) break;  // the pipeline is being torn down
  }
  out.close();
}

}  // namespace @NAME@_plugin
)sluice";

const char* const kSourceTest =
    R"sluice(// The @NAME@ source on its own: made from its option table, started on an emitter that records
// what it gets and acknowledges at once.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "@NAME@.hpp"

namespace @NAME@_plugin {
namespace {
@TEST_OPTIONS@
class RecordingEmitter : public sluice::Emitter {
 public:
  bool try_emit(std::vector<sluice::Event>& events, sluice::AckFn& on_ack) override { return emit(events, on_ack); }
  bool emit(std::vector<sluice::Event>& events, sluice::AckFn& on_ack) override {
    {
      std::lock_guard lock(mutex_);
      for (auto& e : events) payloads.emplace_back(e.payload());
    }
    on_ack(sluice::AckResult{});
    return true;
  }
  void close() override {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  void treat_emits_as_requests() override {}
  bool dead_letter(std::vector<sluice::Event>&, const std::string&, const std::string&, sluice::AckFn&) override {
    return false;
  }
  bool wait_closed() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return closed_; });
  }
  std::vector<std::string> payloads;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool closed_ = false;
};

TEST(@CLASS@Test, EmitsCountEventsThenCloses) {
  sluice::Context context;
  RecordingEmitter emitter;  // outlives the source and its thread
  @CLASS@ source(options_of({{"count", std::int64_t{3}}, {"message", std::string("hi")}}), context);
  source.start(emitter);
  ASSERT_TRUE(emitter.wait_closed()) << "the source never closed its emitter";
  ASSERT_EQ(emitter.payloads.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(nlohmann::json::parse(emitter.payloads[i]), (nlohmann::json{{"seq", i + 1}, {"message", "hi"}}));
  }
}

TEST(@CLASS@Test, StopsWhenAsked) {
  sluice::Context context;
  RecordingEmitter emitter;  // outlives the source and its thread
  @CLASS@ source(options_of({{"count", std::int64_t{1000000}}}), context);
  source.start(emitter);
  source.stop();
  ASSERT_TRUE(emitter.wait_closed()) << "the source did not stop";
}

}  // namespace
}  // namespace @NAME@_plugin
)sluice";

const char* const kSourcePipeline = R"sluice(# sluice --plugin-dir build/plugins run pipeline.yaml
pipelines:
  try-@NAME@:
    source: {type: @NAME@, count: 3, message: hello}
    sinks: [{type: stdout}]
)sluice";

const char* const kTransformHeader = R"sluice(#pragma once
// `@NAME@` transform: sets one top-level field of each JSON object event. Replace process() with
// what the transform does. The contract (threads, reject and drop) is in sluice/component.hpp
// and sluice/batch.hpp.

#include <string>

#include "sluice/sdk.hpp"

namespace @NAME@_plugin {

// The option table: validation, `sluice plugins --describe @NAME@` and docs all come from it.
sluice::OptionTable options();

class @CLASS@ final : public sluice::Transform {
 public:
  @CLASS@(const sluice::Options& options, sluice::Context& context);
  void process(sluice::Batch& batch) override;

 private:
  const std::string field_;
  const std::string value_;
};

}  // namespace @NAME@_plugin
)sluice";

const char* const kTransformCpp = R"sluice(#include "@NAME@.hpp"

#include <nlohmann/json.hpp>

namespace @NAME@_plugin {

sluice::OptionTable options() {
  sluice::OptionTable t;
  t.add("field", sluice::OptionType::string, "The top-level field each event gets").default_to("tag").example("source");
  t.add("value", sluice::OptionType::string, "The field's value, a JSON string").default_to("@NAME@").example("web");
  return t;
}

@CLASS@::@CLASS@(const sluice::Options& options, sluice::Context&)
    : field_(options.get_string("field")), value_(options.get_string("value")) {}

// One batch at a time, never two at once; do not block here (it may run on an I/O thread).
void @CLASS@::process(sluice::Batch& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      // json_type() checks the text without building a DOM; set_member() appends to it.
      if (batch[i].json_type() != sluice::JsonType::object) {
        batch.reject(i, "@NAME@: expected a JSON object");
        continue;
      }
      batch[i].set_member(field_, value_);
    } catch (const sluice::EventError& e) {
      batch.reject(i, std::string("@NAME@: ") + e.what());  // its source hears why (HTTP: a 400)
    }
  }
}

}  // namespace @NAME@_plugin
)sluice";

const char* const kTransformTest =
    R"sluice(// The @NAME@ transform on its own: made from its option table, given a batch, read back.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "@NAME@.hpp"

namespace @NAME@_plugin {
namespace {
@TEST_OPTIONS@
sluice::Batch batch_of(const std::vector<std::string>& payloads) {
  std::vector<sluice::Event> events;
  for (const auto& p : payloads) events.emplace_back(p);
  return sluice::Batch(std::move(events));
}

TEST(@CLASS@Test, SetsTheFieldOnEachObject) {
  sluice::Context context;
  @CLASS@ transform(options_of({{"field", std::string("source")}, {"value", std::string("web")}}), context);
  auto batch = batch_of({R"({"n":1})", R"({"n":2,"source":"old"})"});
  transform.process(batch);
  EXPECT_EQ(batch[0].json(), nlohmann::json::parse(R"({"n":1,"source":"web"})"));
  EXPECT_EQ(batch[1].json(), nlohmann::json::parse(R"({"n":2,"source":"web"})"));
  EXPECT_TRUE(batch.removals().empty());
}

TEST(@CLASS@Test, RejectsWhatIsNotAJsonObject) {
  sluice::Context context;
  @CLASS@ transform(options_of({}), context);
  auto batch = batch_of({"[1,2]", "not json", R"({"n":3})"});
  transform.process(batch);
  const auto& removals = batch.removals();
  ASSERT_EQ(removals.size(), 2u);
  EXPECT_EQ(removals[0].index, 0u);
  EXPECT_EQ(removals[0].reason, "@NAME@: expected a JSON object");
  EXPECT_EQ(removals[1].index, 1u);
  EXPECT_TRUE(removals[1].rejected);
  EXPECT_EQ(batch[2].json()["tag"], "@NAME@");
}

}  // namespace
}  // namespace @NAME@_plugin
)sluice";

const char* const kTransformPipeline = R"sluice(# sluice --plugin-dir build/plugins run pipeline.yaml
pipelines:
  try-@NAME@:
    source: {type: generator, count: 3, payload: '{"seq":{{seq}}}'}
    transforms: [{type: @NAME@}]
    sinks: [{type: stdout}]
)sluice";

const char* const kSinkHeader = R"sluice(#pragma once
// `@NAME@` sink: counts events and logs the running total. Replace write() with where the events
// go. The contract (threads, Delivery, flush) is in sluice/component.hpp.

#include <atomic>
#include <cstdint>

#include "sluice/sdk.hpp"

namespace @NAME@_plugin {

// The option table: validation, `sluice plugins --describe @NAME@` and docs all come from it.
sluice::OptionTable options();

class @CLASS@ final : public sluice::Sink {
 public:
  @CLASS@(const sluice::Options& options, sluice::Context& context);
  ~@CLASS@() override;
  void write(std::shared_ptr<const sluice::Batch> batch, sluice::Delivery done) override;
  std::uint64_t events() const { return events_; }

 private:
  const std::uint64_t log_every_;
  sluice::Context& context_;
  std::atomic<std::uint64_t> events_{0};
};

}  // namespace @NAME@_plugin
)sluice";

const char* const kSinkCpp = R"sluice(#include "@NAME@.hpp"

namespace @NAME@_plugin {

sluice::OptionTable options() {
  sluice::OptionTable t;
  t.add("log_every", sluice::OptionType::integer, "Log the running total every N events; 0 never")
      .default_to("0").at_least(0).example("1000");
  return t;
}

@CLASS@::@CLASS@(const sluice::Options& options, sluice::Context& context)
    : log_every_(static_cast<std::uint64_t>(options.get_int("log_every"))), context_(context) {}

@CLASS@::~@CLASS@() { context_.log.info("@NAME@: ", events_.load(), " events in all"); }

// One batch at a time; do not wait for the destination here: hand the batch on and answer `done`
// later, from any thread, once the events are safely stored. That answer is what the source's
// client is told. A Delivery dropped unanswered fails its batch.
void @CLASS@::write(std::shared_ptr<const sluice::Batch> batch, sluice::Delivery done) {
  const std::uint64_t before = events_.fetch_add(batch->size());
  const std::uint64_t after = before + batch->size();
  if (log_every_ > 0 && after / log_every_ != before / log_every_) context_.log.info(after, " events so far");
  done.complete();  // or done.fail("why"), done.fail_event(i, "why") or done.reject_event(i, "why")
}

}  // namespace @NAME@_plugin
)sluice";

const char* const kSinkTest =
    R"sluice(// The @NAME@ sink on its own: made from its option table, given a batch, its answer recorded.

#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "@NAME@.hpp"

namespace @NAME@_plugin {
namespace {
@TEST_OPTIONS@
// Records the sink's answer, as the engine would take it.
struct Answer : sluice::detail::DeliveryTarget {
  void settle(std::size_t, std::vector<sluice::detail::EventFailure> f, std::string all) override {
    failures = std::move(f);
    all_failed = std::move(all);
    answered = true;
  }
  bool answered = false;
  std::vector<sluice::detail::EventFailure> failures;
  std::string all_failed;
};

TEST(@CLASS@Test, AcceptsEveryEventAndCountsThem) {
  sluice::Context context;
  @CLASS@ sink(options_of({{"log_every", std::int64_t{2}}}), context);
  std::vector<sluice::Event> events;
  for (int i = 0; i < 3; ++i) events.emplace_back("{}");
  auto answer = std::make_shared<Answer>();
  sink.write(std::make_shared<const sluice::Batch>(std::move(events)), sluice::Delivery(answer, 0));
  ASSERT_TRUE(answer->answered);
  EXPECT_TRUE(answer->failures.empty());
  EXPECT_EQ(answer->all_failed, "");
  EXPECT_EQ(sink.events(), 3u);
}

}  // namespace
}  // namespace @NAME@_plugin
)sluice";

const char* const kSinkPipeline = R"sluice(# sluice --plugin-dir build/plugins run pipeline.yaml
pipelines:
  try-@NAME@:
    source: {type: generator, count: 1000, payload: '{"seq":{{seq}}}'}
    sinks: [{type: @NAME@, log_every: 500}]
)sluice";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

std::vector<TemplateFile> plugin_templates(const std::string& kind) {
  const char *header = nullptr, *cpp = nullptr, *test = nullptr, *pipeline = nullptr, *summary = nullptr;
  if (kind == "source") {
    header = kSourceHeader, cpp = kSourceCpp, test = kSourceTest, pipeline = kSourcePipeline;
    summary = "Emits count events, then closes.";
  } else if (kind == "transform") {
    header = kTransformHeader, cpp = kTransformCpp, test = kTransformTest, pipeline = kTransformPipeline;
    summary = "Sets one field of each JSON object event.";
  } else if (kind == "sink") {
    header = kSinkHeader, cpp = kSinkCpp, test = kSinkTest, pipeline = kSinkPipeline;
    summary = "Counts events and logs the running total.";
  } else {
    return {};
  }
  return {{"CMakeLists.txt", kCMakeLists},
          {"@NAME@_plugin.cpp", replaced(kPlugin, "@SUMMARY@", std::string("\"") + summary + "\"")},
          {"@NAME@.hpp", header},
          {"@NAME@.cpp", cpp},
          {"@NAME@_test.cpp", replaced(test, "@TEST_OPTIONS@", kTestOptions)},
          {"pipeline.yaml", pipeline}};
}

}  // namespace sluice::cli
