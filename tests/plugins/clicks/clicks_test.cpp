// The click transforms, in-process: json_validate's reasons, enrich's fields, aggregate's stats,
// and what each does with hostile input (bytes that are not UTF-8, keys without end, times far
// off, a batch delivered again, a client's own id).

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine_harness.hpp"
#include "plugins/plugin_library.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

// `payload_meta` test transform: copies the members of the payload's "_meta" object into the
// event's metadata, so that the events of one emit can sit at different Kafka positions.
class PayloadMeta final : public Transform {
 public:
  PayloadMeta(const Options&, Context&) {}
  void process(Batch& batch) override {
    for (auto& e : batch) {
      const json& doc = e.json();
      if (!doc.contains("_meta")) continue;
      for (const auto& [k, v] : doc["_meta"].items()) e.meta().set(k, v.get<std::string>());
    }
  }
};

void register_payload_meta() {
  static const bool registered = [] {
    PluginManifest m;
    m.add(transform_component<PayloadMeta>("payload_meta", "Copies the payload's _meta into metadata.", OptionTable{}));
    test_registry().add(
        plugins::PluginLibrary::builtin("clicks-test", "components for the clicks tests", std::move(m)));
    return true;
  }();
  (void)registered;
}

// The raw text of the first stats event built at or after `since_ms` (so it counts everything
// acknowledged before then); "" when none came within the deadline.
std::string stats_text_since(CaptureStore& store, std::int64_t since_ms) {
  std::string found;
  eventually([&] {
    found = store.read([&](const Captured& c) {
      for (std::size_t i = 0; i < c.payloads.size(); ++i) {
        if (!c.metadata[i].count("sluice.kind")) continue;
        if (json::parse(c.payloads[i])["at"].get<std::int64_t>() >= since_ms) return c.payloads[i];
      }
      return std::string();
    });
    return !found.empty();
  });
  return found;
}

// The click payloads the sink got, without the stats events.
std::vector<std::string> clicks_of(const Captured& captured) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < captured.payloads.size(); ++i) {
    if (!captured.metadata[i].count("sluice.kind")) out.push_back(captured.payloads[i]);
  }
  return out;
}

std::vector<std::string> clicks_of(const CaptureStore& store) { return clicks_of(store.captured()); }

// The stats events' payloads, parsed.
std::vector<json> stats_of(const Captured& captured) {
  std::vector<json> out;
  for (std::size_t i = 0; i < captured.payloads.size(); ++i) {
    if (captured.metadata[i].count("sluice.kind")) out.push_back(json::parse(captured.payloads[i]));
  }
  return out;
}

// Every count in perKey plus `other` is the total: no click is lost from the figures.
void expect_totals_add_up(const json& stats) {
  std::uint64_t sum = 0;
  for (const auto& [key, n] : stats["perKey"].items()) sum += n.get<std::uint64_t>();
  EXPECT_EQ(sum + stats["other"].get<std::uint64_t>(), stats["total"].get<std::uint64_t>());
}

// Occurrences of `member` as a key in a JSON text (it is followed by a colon).
std::size_t occurrences(const std::string& text, const std::string& member) {
  const std::string needle = "\"" + member + "\":";
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

constexpr const char* kAggregatePipeline = R"(pipelines:
  p:
    source: {type: scripted, name: src}
    transforms: [{type: aggregate, key: page, interval: 50ms}]
    sinks: [{type: capture, name: out}]
)";

TEST(JsonValidate, RejectsWithTheReasonAndLetsTheRestThrough) {
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    transforms: [{type: json_validate, required: {page: string, clickNumber: integer}}]
    sinks: [{type: capture, name: out}]
)");
  // Each payload with the exact reason it is refused with ("" : accepted). One emit at a time, each
  // answered before the next, so each answer is known to be its payload's.
  const std::string at = "transforms[0] json_validate: ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"page":"a","clickNumber":1})", ""},
      {R"([1,2])", "expected a JSON object, got an array"},
      {R"("page")", "expected a JSON object, got a string"},
      {R"(null)", "expected a JSON object, got null"},
      {R"({"clickNumber":1})", "missing field 'page'"},
      {R"({"page":"a"})", "missing field 'clickNumber'"},
      {R"({"page":7,"clickNumber":1})", "field 'page' must be a string, got a number"},
      {R"({"page":true,"clickNumber":1})", "field 'page' must be a string, got a boolean"},
      {R"({"page":null,"clickNumber":1})", "field 'page' must be a string, got null"},
      {R"({"page":{},"clickNumber":1})", "field 'page' must be a string, got an object"},
      {R"({"page":"a","clickNumber":1.5})", "field 'clickNumber' must be a whole number, got a number"},
      {R"({"page":"a","clickNumber":"1"})", "field 'clickNumber' must be a whole number, got a string"},
      {R"({"page":)",
       "invalid JSON: parse error at line 1, column 9: syntax error while parsing value - "
       "unexpected end of input; expected '[', '{', or a literal"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [payload, reason] = cases[i];
    ASSERT_TRUE(source->emit({payload}));
    ASSERT_TRUE(acks->wait_for(i + 1)) << payload;
    std::lock_guard lock(acks->mutex);
    const AckResult& r = acks->results.at(i);
    EXPECT_EQ(r.ok, reason.empty()) << payload << ": " << r.reason;
    if (reason.empty()) continue;
    EXPECT_TRUE(r.rejected) << payload;
    EXPECT_EQ(r.reason, at + reason) << payload;
  }
  EXPECT_EQ(capture_store("out")->snapshot(), std::vector<std::string>{R"({"page":"a","clickNumber":1})"});
}

TEST(JsonValidate, AnUnknownTypeIsAConfigError) {
  try {
    (void)make_engine(
        "pipelines:\n  p:\n    source: {type: generator}\n    transforms: [{type: json_validate, required: {page: "
        "text}}]\n"
        "    sinks: [{type: drop}]\n");
    FAIL();
  } catch (const config::ConfigErrors& e) {
    EXPECT_THAT(e.diagnostics()[0].message, HasSubstr("field 'page': unknown type 'text'"));
  }
}

TEST(Enrich, AddsIdAndReceiveTimeButNoPersonalDataUnlessAsked) {
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src, meta: {http.user_agent: Mozilla/5.0, id: from-http}}
    transforms: [{type: enrich}]
    sinks: [{type: capture, name: out}]
)");
  ASSERT_TRUE(source->emit({R"({"page":"a"})", R"({"page":"b","id":"mine"})"}));
  ASSERT_TRUE(acks->wait_for(1));
  const auto out = capture_store("out")->snapshot();
  ASSERT_EQ(out.size(), 2u);
  const auto first = json::parse(out[0]);
  EXPECT_EQ(first["id"], "from-http") << "the id the HTTP client was told";
  EXPECT_GT(first["receivedAt"].get<std::int64_t>(), 1'700'000'000'000);
  EXPECT_FALSE(first.contains("userAgent")) << "privacy by default";
  EXPECT_EQ(json::parse(out[1])["id"], "from-http") << "the server's id, whatever the client sent";
  EXPECT_EQ(json::parse(out[1])["clientId"], "mine") << "the client's own id, kept aside";
}

TEST(Enrich, AUserAgentThatIsNotUtf8IsRepairedNotFatal) {
  // The raw byte 0xFF, as a client can send in a header (the YAML parser passes it through).
  auto [engine, source, acks] = start_scripted(
      "pipelines:\n  p:\n"
      "    source: {type: scripted, name: src, meta: {http.user_agent: \"Bot\xff/1\"}}\n"
      "    transforms: [{type: enrich, user_agent: true}]\n"
      "    sinks: [{type: capture, name: out}]\n");
  ASSERT_TRUE(source->emit({R"({"page":"a"})"}));
  ASSERT_TRUE(acks->wait_for(1));
  EXPECT_TRUE(acks->results[0].ok) << acks->results[0].reason;
  const auto out = capture_store("out")->snapshot();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(json::parse(out[0])["userAgent"], "Bot\xef\xbf\xbd/1") << "U+FFFD in place of the byte";
}

TEST(Aggregate, EmitsStatsWithTotalsPerKeyOnItsInterval) {
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    transforms: [{type: aggregate, key: page, interval: 50ms}]
    sinks: [{type: capture, name: out}]
)");
  ASSERT_TRUE(source->emit({R"({"page":"a"})", R"({"page":"b"})", R"({"page":"a"})"}));
  ASSERT_TRUE(acks->wait_for(1));
  auto store = capture_store("out");
  const auto has_three = [](const json& s) { return s["total"] == 3; };
  const auto stats = eventually([&] {
    const auto all = stats_of(store->captured());
    return std::any_of(all.begin(), all.end(), has_three);
  });
  ASSERT_TRUE(stats) << "a stats event with the three clicks";
  const Captured captured = store->captured();
  const auto all = stats_of(captured);
  const auto s = *std::find_if(all.begin(), all.end(), has_three);
  EXPECT_EQ(s["perKey"]["a"], 2);
  EXPECT_EQ(s["perKey"]["b"], 1);
  EXPECT_EQ(s["series"].size(), 60u);
  EXPECT_GT(s["perSecond"].get<double>(), 0.0);
  // The clicks themselves pass through unchanged.
  EXPECT_EQ(clicks_of(captured), (std::vector<std::string>{R"({"page":"a"})", R"({"page":"b"})", R"({"page":"a"})"}));
}

TEST(JsonValidate, RejectsBytesThatAreNotUtf8OrNotJsonWithAShortValidReason) {
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    transforms: [{type: json_validate, required: {page: string}}]
    sinks: [{type: capture, name: out}]
)");
  // A poison Kafka message can hold any bytes; the reason goes on to a 400 body or a dead letter.
  const std::vector<std::string> payloads = {
      "\xff\xfe{}",                                            // not UTF-8 at all
      "{\"page\":\"caf\xc3\"}",                                // a character cut short
      "{\"page\":\"\xed\xa0\x80\"}",                           // a surrogate
      "{\"page\":\"" + std::string(100'000, 'a') + "\x01\"}",  // a control byte after a long string
      "{\"page\":\"" + std::string(100'000, 'a'),              // never ends
      "not json",
      "",
  };
  for (const auto& p : payloads) ASSERT_TRUE(source->emit({p}));
  ASSERT_TRUE(acks->wait_for(payloads.size()));
  EXPECT_TRUE(capture_store("out")->snapshot().empty());
  std::lock_guard lock(acks->mutex);
  std::size_t utf8 = 0;
  for (const auto& r : acks->results) {
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(r.rejected);
    EXPECT_NO_THROW((void)json(r.reason).dump()) << "the reason is valid UTF-8";
    EXPECT_LE(r.reason.size(), 400u) << "the reason is short";
    EXPECT_FALSE(r.reason.empty());
    if (r.reason.find("not valid UTF-8: byte 0x") != std::string::npos) ++utf8;
  }
  EXPECT_EQ(utf8, 3u) << "each payload that is not UTF-8 is told so";
}

TEST(Enrich, TheStoredIdAndTimeAreTheServersAndTheClientsIdIsKeptAside) {
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src, meta: {id: from-http}}
    transforms: [{type: enrich}]
    sinks: [{type: capture, name: out}]
)");
  const auto before = now_ms();
  ASSERT_TRUE(source->emit({R"({"page":"a","id":"mine","receivedAt":5})",
                            R"({"id":"first","page":"b","id":"second","receivedAt":"x","receivedAt":7})",
                            R"({"page":"c","clientId":"theirs"})"}));
  ASSERT_TRUE(acks->wait_for(1));
  ASSERT_TRUE(acks->results[0].ok) << acks->results[0].reason;
  const auto out = capture_store("out")->snapshot();
  ASSERT_EQ(out.size(), 3u);
  for (const auto& text : out) {
    // Each field once in the text: a member the client sent is replaced, not appended again.
    EXPECT_EQ(occurrences(text, "id"), 1u) << text;
    EXPECT_EQ(occurrences(text, "receivedAt"), 1u) << text;
    const auto doc = json::parse(text);
    EXPECT_EQ(doc["id"], "from-http") << "the id the HTTP client was answered with: " << text;
    ASSERT_TRUE(doc["receivedAt"].is_number_integer()) << text;
    EXPECT_GE(doc["receivedAt"].get<std::int64_t>(), before) << "the server's receive time: " << text;
  }
  EXPECT_EQ(json::parse(out[0])["clientId"], "mine");
  EXPECT_EQ(json::parse(out[1])["clientId"], "second") << "the value the parser took";
  EXPECT_EQ(json::parse(out[2])["clientId"], "theirs") << "no id sent: clientId is left as it was";
}

TEST(Enrich, WithoutAnIdFromTheSourceTheIdIsANewUuidNotTheClients) {
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    transforms: [{type: enrich, client_id_field: ""}]
    sinks: [{type: capture, name: out}]
)");
  ASSERT_TRUE(source->emit({R"({"page":"a","id":"mine"})"}));
  ASSERT_TRUE(acks->wait_for(1));
  const auto out = capture_store("out")->snapshot();
  ASSERT_EQ(out.size(), 1u);
  const auto doc = json::parse(out[0]);
  EXPECT_EQ(doc["id"].get<std::string>().size(), 36u) << out[0];
  EXPECT_NE(doc["id"], "mine");
  EXPECT_FALSE(doc.contains("clientId")) << "client_id_field: \"\" drops the client's id";
}

TEST(Enrich, AClientIdFieldThatIsTheIdFieldIsAConfigError) {
  try {
    (void)make_engine(
        "pipelines:\n  p:\n    source: {type: generator}\n"
        "    transforms: [{type: enrich, client_id_field: id}]\n    sinks: [{type: drop}]\n");
    FAIL();
  } catch (const config::ConfigErrors& e) {
    EXPECT_THAT(e.diagnostics()[0].message, HasSubstr("is also id_field or time_field"));
  }
}

TEST(Aggregate, TheStatsEventStaysUnder64KiBWith20000DistinctKeys) {
  auto [engine, source, acks] = start_scripted(kAggregatePipeline);
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<std::string> payloads;
    for (int i = 0; i < 1000; ++i) payloads.push_back(R"({"page":"/page/)" + std::to_string(batch * 1000 + i) + "\"}");
    ASSERT_TRUE(source->emit(payloads));
  }
  ASSERT_TRUE(acks->wait_for(20));
  const std::string text = stats_text_since(*capture_store("out"), now_ms());
  ASSERT_FALSE(text.empty()) << "a stats event after the clicks";
  EXPECT_LE(text.size(), 64u * 1024) << "the stated bound of the stats event";
  const auto stats = json::parse(text);
  EXPECT_EQ(stats["total"], 20000);
  EXPECT_LE(stats["perKey"].size(), 1000u) << "max_keys";
  EXPECT_GT(stats["other"].get<std::uint64_t>(), 0u);
  expect_totals_add_up(stats);
}

TEST(Aggregate, LongKeysAreCutAtACharacterBoundaryAndTheStatsEventStaysUnder64KiB) {
  auto [engine, source, acks] = start_scripted(kAggregatePipeline);
  // 6 KB keys of two-byte characters (a cut at 200 bytes falls inside one), and keys of control
  // characters, which JSON escapes to six bytes each.
  std::string e_acute;
  for (int i = 0; i < 3000; ++i) e_acute += "\xc3\xa9";
  const std::string control = std::string(300, '\x01');
  for (int batch = 0; batch < 4; ++batch) {
    std::vector<std::string> payloads;
    for (int i = 0; i < 500; ++i) {
      const std::string n = std::to_string(batch * 500 + i);
      payloads.push_back(json{{"page", (i % 2 ? "k" + n + e_acute : n + control)}}.dump());
    }
    ASSERT_TRUE(source->emit(payloads));
  }
  ASSERT_TRUE(acks->wait_for(4));
  const std::string text = stats_text_since(*capture_store("out"), now_ms());
  ASSERT_FALSE(text.empty());
  EXPECT_LE(text.size(), 64u * 1024);
  const auto stats = json::parse(text);  // throws if a cut left half a character
  EXPECT_EQ(stats["total"], 2000);
  EXPECT_GT(stats["perKey"].size(), 0u) << "the keys that fit are shown";
  for (const auto& [key, n] : stats["perKey"].items()) {
    EXPECT_LE(key.size(), 200u + 3) << "max_key_bytes, plus the ellipsis";
    EXPECT_EQ(key.substr(key.size() - 3), "\xe2\x80\xa6") << "a cut key says so";
  }
  expect_totals_add_up(stats);
}

TEST(Aggregate, JunkKeysSentFirstDoNotKeepTheRealPagesOffTheStats) {
  auto [engine, source, acks] = start_scripted(kAggregatePipeline);
  std::size_t emits = 0;
  int junk = 0;
  const auto send_junk = [&](int n) {
    std::vector<std::string> payloads;
    for (int i = 0; i < n; ++i) payloads.push_back(R"({"page":"junk-)" + std::to_string(junk++) + "\"}");
    ASSERT_TRUE(source->emit(payloads));
    ++emits;
  };
  const auto send = [&](const std::string& page, int n) {
    ASSERT_TRUE(source->emit(std::vector<std::string>(n, R"({"page":")" + page + "\"}")));
    ++emits;
  };
  send_junk(1000);  // fills max_keys before any real click
  send("/home", 5);
  send("/about", 3);
  // The attack goes on: new junk keys all the time, between the real clicks.
  for (int round = 0; round < 20; ++round) {
    send_junk(250);
    send("/home", 5);
  }
  ASSERT_TRUE(acks->wait_for(emits));
  const std::string text = stats_text_since(*capture_store("out"), now_ms());
  ASSERT_FALSE(text.empty());
  const auto stats = json::parse(text);
  EXPECT_LE(stats["perKey"].size(), 1000u);
  EXPECT_EQ(stats["perKey"]["/home"], 105) << "a page with more than total/max_keys clicks is counted exactly";
  EXPECT_EQ(stats["total"], 6000 + 105 + 3);
  expect_totals_add_up(stats);
}

TEST(Aggregate, ATimeInTheFutureCountsAsNowAndAnOldOneOnlyInTheTotals) {
  auto [engine, source, acks] = start_scripted(kAggregatePipeline);
  const std::int64_t next_year = now_ms() + 365LL * 24 * 3600 * 1000;
  ASSERT_TRUE(source->emit({json{{"page", "a"}, {"receivedAt", next_year}}.dump(),
                            json{{"page", "a"}, {"receivedAt", next_year + 1000}}.dump(),
                            R"({"page":"a","receivedAt":1e300})", R"({"page":"a","receivedAt":18446744073709551615})",
                            R"({"page":"a","receivedAt":-9223372036854775808})", R"({"page":"a","receivedAt":0})",
                            R"({"page":"a","receivedAt":"soon"})"}));
  ASSERT_TRUE(acks->wait_for(1));
  const std::string text = stats_text_since(*capture_store("out"), now_ms());
  ASSERT_FALSE(text.empty());
  const auto stats = json::parse(text);
  EXPECT_EQ(stats["total"], 7);
  std::uint64_t charted = 0;
  for (const auto& point : stats["series"]) charted += point[1].get<std::uint64_t>();
  // Future times (and 1e300, which is no time at all: the receive time) are charted now; the two
  // times before the chart's minute are in the total only.
  EXPECT_EQ(charted, 5u) << text;
}

// A time field nested 100,000 levels deep (a Kafka message bounds no nesting) is no time at all:
// it is not read, so not copied level by level on the stack, and the click still counts.
TEST(Aggregate, ADeeplyNestedTimeIsNotReadAndTheClickCounts) {
  auto [engine, source, acks] = start_scripted(kAggregatePipeline);
  const std::size_t depth = 100000;
  ASSERT_TRUE(source->emit({R"({"page":"a","receivedAt":)" + std::string(depth, '[') + std::string(depth, ']') + "}",
                            R"({"page":"a","receivedAt":{"nested":{"deeper":1}}})"}));
  ASSERT_TRUE(acks->wait_for(1));
  const std::string text = stats_text_since(*capture_store("out"), now_ms());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(json::parse(text)["total"], 2);
}

TEST(Aggregate, AnEventDeliveredAgainIsNotCountedTwiceButStillPasses) {
  register_payload_meta();
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    transforms: [{type: payload_meta}, {type: aggregate, key: page, interval: 50ms}]
    sinks: [{type: capture, name: out}]
)");
  const auto at = [](const std::string& topic, int partition, int offset) {
    return json{{"page", "a"},
                {"_meta",
                 {{"kafka.topic", topic},
                  {"kafka.partition", std::to_string(partition)},
                  {"kafka.offset", std::to_string(offset)}}}}
        .dump();
  };
  ASSERT_TRUE(source->emit({at("clicks", 0, 5), at("clicks", 0, 6), at("clicks", 1, 5)}));
  // The source retries the batch (its delivery failed after we counted it), with one more.
  ASSERT_TRUE(source->emit({at("clicks", 0, 5), at("clicks", 0, 6), at("clicks", 1, 5), at("clicks", 0, 7)}));
  // The same offset of another topic is another message.
  ASSERT_TRUE(source->emit({at("views", 0, 6)}));
  ASSERT_TRUE(acks->wait_for(3));
  auto store = capture_store("out");
  const std::string text = stats_text_since(*store, now_ms());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(json::parse(text)["total"], 5);
  EXPECT_EQ(clicks_of(*store).size(), 8u) << "every delivery still reaches the sinks";
}

TEST(Aggregate, KafkaMetadataThatIsNotANumberIsNoError) {
  register_payload_meta();
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    transforms: [{type: payload_meta}, {type: aggregate, key: page, interval: 50ms}]
    sinks: [{type: capture, name: out}]
)");
  const std::vector<std::pair<std::string, std::string>> positions = {
      {"junk", "1"}, {"99999999999", "1"}, {"-1", "1"}, {"0", "12x"}, {"0", "99999999999999999999"}, {"", ""}};
  for (const auto& [partition, offset] : positions) {
    ASSERT_TRUE(source->emit({json{
        {"page", "a"}, {"_meta", {{"kafka.topic", "clicks"}, {"kafka.partition", partition}, {"kafka.offset", offset}}}}
                                  .dump()}));
  }
  ASSERT_TRUE(acks->wait_for(positions.size()));
  {
    std::lock_guard lock(acks->mutex);
    for (const auto& r : acks->results) EXPECT_TRUE(r.ok) << r.reason;
  }
  auto store = capture_store("out");
  const std::string text = stats_text_since(*store, now_ms());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(json::parse(text)["total"], static_cast<int>(positions.size())) << "no position to check: counted";
  EXPECT_EQ(clicks_of(*store).size(), positions.size());
}

TEST(Aggregate, AKeyThatIsDeeplyNestedOrNotAStringIsCountedUnderAShortName) {
  auto [engine, source, acks] = start_scripted(kAggregatePipeline);
  // 100,000 levels: dumping that recursively would overflow the pipeline thread's stack.
  const std::string deep = "{\"page\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  ASSERT_TRUE(source->emit({deep, R"({"page":{"a":1}})", R"({"page":7})", R"({"page":null})", R"({"other":1})"}));
  ASSERT_TRUE(acks->wait_for(1));
  EXPECT_TRUE(acks->results[0].ok) << acks->results[0].reason;
  const std::string text = stats_text_since(*capture_store("out"), now_ms());
  ASSERT_FALSE(text.empty());
  const auto stats = json::parse(text);
  EXPECT_EQ(stats["perKey"], json::parse(R"j({"(array)":1,"(object)":1,"7":1,"null":1,"(none)":1})j"));
}

}  // namespace
// The click tracker's broadcast validates clicks before it counts them. The aggregate's stats
// events are not clicks: they enter the pipeline after the aggregate, so the json_validate before
// it never sees (and never rejects) them. Before, every stats event was rejected there and the
// dashboard's state stayed null.
TEST(Aggregate, ItsStatsEventsSkipTheTransformsBeforeIt) {
  auto [engine, source, acks] = start_scripted(R"(pipelines:
  p:
    source: {type: scripted, name: src}
    transforms:
      - {type: json_validate, required: {page: string, clickNumber: integer}}
      - {type: aggregate, key: page, interval: 50ms}
    sinks: [{type: capture, name: out}]
)");
  ASSERT_TRUE(source->emit({R"({"page":"a","clickNumber":1})"}));
  ASSERT_TRUE(acks->wait_for(1));
  const std::string text = stats_text_since(*capture_store("out"), now_ms());
  ASSERT_FALSE(text.empty()) << "a stats event reached the sink";
  EXPECT_EQ(json::parse(text)["total"], 1);
  for (const auto& meta : capture_store("out")->captured().metadata) {
    for (const auto& [key, value] : meta) {
      EXPECT_EQ(key.rfind("sluice.engine.", 0), std::string::npos) << "the engine's own mark is taken off: " << key;
    }
  }
}

}  // namespace sluice::test
