// Event::json_type() / member_type() / member() read the payload with simdjson and build no DOM;
// json() parses with nlohmann. The two must agree on every input: what one refuses the other
// refuses, with the same reason, and the types and values read are the same.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "sluice/errors.hpp"
#include "sluice/event.hpp"

namespace sluice {
namespace {

JsonType type_of(const nlohmann::json& v) {
  if (v.is_null()) return JsonType::null;
  if (v.is_boolean()) return JsonType::boolean;
  if (v.is_number_integer()) return JsonType::integer;
  if (v.is_number_float()) return JsonType::floating;
  if (v.is_string()) return JsonType::string;
  if (v.is_array()) return JsonType::array;
  return JsonType::object;
}

// json() of a fresh event: the DOM, or the EventError's message.
std::string nlohmann_says(const std::string& text) {
  Event e(text);
  try {
    return "ok " + e.json().dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  } catch (const EventError& err) {
    return std::string("error ") + err.what();
  }
}

void expect_agreement(const std::string& text) {
  SCOPED_TRACE(nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
  const std::string expected = nlohmann_says(text);
  Event e(text);
  try {
    const JsonType type = e.json_type();
    ASSERT_EQ(expected.rfind("ok ", 0), 0u) << "checked as JSON, but json() says " << expected;
    const nlohmann::json doc = nlohmann::json::parse(text);
    EXPECT_EQ(type, type_of(doc));
    if (doc.is_object()) {
      for (const auto& [key, value] : doc.items()) EXPECT_EQ(e.member_type(key), type_of(value)) << key;
      EXPECT_EQ(e.member_type("no such key"), JsonType::absent);
      // member() of a fresh event each time: reading an object or array member builds the DOM,
      // after which the others would not come from simdjson.
      for (const auto& [key, value] : doc.items()) {
        const auto read = Event(text).member(key);
        ASSERT_TRUE(read.has_value()) << key;
        EXPECT_EQ(*read, value) << key;
        EXPECT_EQ(read->type(), value.type()) << key << ": the same kind of number as json()";
      }
      EXPECT_FALSE(Event(text).member("no such key").has_value());
    } else {
      EXPECT_FALSE(Event(text).member("a").has_value()) << "not an object: no members";
    }
  } catch (const EventError& err) {
    EXPECT_EQ(expected, std::string("error ") + err.what()) << "refused, with json()'s reason";
  }
}

TEST(EventJsonCheck, AgreesWithJsonOnEdgeInputs) {
  const std::vector<std::string> inputs = {
      R"({"page":"/a","clickNumber":3})",
      "{}",
      "[]",
      "1",
      "-1",
      "1.5",
      "\"s\"",
      "true",
      "null",
      "",
      " ",
      "{",
      "}",
      R"({"a":1,})",
      R"({"a":1}x)",
      R"({"a":1} )",
      "\t\r\n{}\n",
      R"({"a" 1})",
      "[1,]",
      std::string("{\"a\":1}\0junk", 12),
      std::string("{\"a\":\"\0\"}", 9),  // NUL bytes
      "{\"a\":\"\xff\"}",
      "{\"a\":\"\xc0\xaf\"}",
      "{\"a\":\"\xed\xa0\x80\"}",  // invalid UTF-8
      "{\"a\":\"caf\xc3\xa9\"}",
      "\xef\xbb\xbf{}",  // UTF-8, a BOM
      "{\"a\":\"\x01\"}",
      "{\"a\":\"tab\there\"}",  // raw control chars
      R"({"a":"\ud800"})",
      R"({"a":"\udc00"})",
      R"({"a":"\ud83d\ude00"})",
      R"({"a":"\u0000"})",
      R"({"a":"\x"})",
      R"({"a":"\/"})",
      R"({"n":-0})",
      R"({"n":-0.0})",
      R"({"n":0})",
      R"({"n":0,"s":"a-0"})",
      R"({"n":01})",
      R"({"n":1.})",
      R"({"n":.5})",
      R"({"n":1e400})",
      R"({"n":-1e400})",
      R"({"n":1e-400})",
      R"({"n":1E5})",
      R"({"n":1e+5})",
      R"({"n":9223372036854775807})",
      R"({"n":9223372036854775808})",
      R"({"n":18446744073709551615})",
      R"({"n":18446744073709551616})",
      R"({"n":-9223372036854775809})",
      R"({"n":+1})",
      R"({"n":NaN})",
      R"({"n":Infinity})",
      R"({"n":0x10})",
      R"({"a":1,"a":"two"})",
      R"({"a":"one","a":2})",  // duplicate keys: the last counts
      R"({"k\"ey":1,"k\\":2})",
      R"({"":1})",
      R"({"a":[1,{"b":null}],"o":{"p":{}}})",
      "{'a':1}",
      R"({a:1})",
      "TRUE",
      "nul",
      "[1 2]",
      std::string(1100, '[') + std::string(1100, ']'),  // deeper than simdjson goes
      "{\"d\":" + std::string(1100, '[') + std::string(1100, ']') + "}",
      std::string(500, '[') + std::string(499, ']'),
  };
  for (const auto& text : inputs) expect_agreement(text);
}

TEST(EventJsonCheck, ChecksWithoutBuildingTheDom) {
  Event e(R"({"page":"/a","clickNumber":3,"ok":true})");
  EXPECT_EQ(e.json_type(), JsonType::object);
  EXPECT_EQ(e.member_type("page"), JsonType::string);
  EXPECT_EQ(e.member_type("clickNumber"), JsonType::integer);
  EXPECT_EQ(e.member_type("ok"), JsonType::boolean);
  EXPECT_EQ(e.member("page"), nlohmann::json("/a"));
  EXPECT_EQ(e.member("clickNumber"), nlohmann::json(3));
  EXPECT_FALSE(e.member("nope").has_value());
  e.set_member("id", "abc");
  e.set_member("receivedAt", 1764000000000);
  EXPECT_FALSE(e.json_parsed()) << "nothing needed nlohmann's DOM";
  EXPECT_EQ(e.member_type("id"), JsonType::string) << "appended members are known";
  EXPECT_EQ(e.member("receivedAt"), nlohmann::json(1764000000000)) << "and readable";
  EXPECT_EQ(e.payload(), R"({"page":"/a","clickNumber":3,"ok":true,"id":"abc","receivedAt":1764000000000})");

  e.set_member("id", 7);  // a replacement needs the DOM
  EXPECT_TRUE(e.json_parsed());
  EXPECT_EQ(
      nlohmann::json::parse(e.payload()),
      nlohmann::json({{"page", "/a"}, {"clickNumber", 3}, {"ok", true}, {"id", 7}, {"receivedAt", 1764000000000}}));
  EXPECT_EQ(e.member_type("id"), JsonType::integer);

  Event empty(" {} ");
  empty.set_member("a", 1);
  EXPECT_EQ(empty.payload(), R"( {"a":1} )");
  EXPECT_FALSE(empty.json_parsed());

  Event array("[1]");
  EXPECT_EQ(array.json_type(), JsonType::array);
  EXPECT_EQ(array.member_type("a"), JsonType::absent);
  EXPECT_THROW(array.set_member("a", 1), EventError);
  EXPECT_EQ(array.payload(), "[1]");

  Event replaced(R"({"a":1})");
  EXPECT_EQ(replaced.json_type(), JsonType::object);
  replaced.set_payload(R"("now a string")");
  EXPECT_EQ(replaced.json_type(), JsonType::string) << "a new payload is checked anew";
}

// member() reuses the document json_type() left in the thread's parser when it is still of this
// event's text; any other parse in between, another thread, or an appended member must not let an
// event read another text's values.
TEST(EventJsonCheck, MemberReadsItsOwnTextWhateverWasParsedInBetween) {
  Event a(R"({"page":"/a","n":1})");
  Event b(R"({"page":"/b","n":2})");
  ASSERT_EQ(a.json_type(), JsonType::object);
  ASSERT_EQ(b.json_type(), JsonType::object);  // the parser now holds b
  EXPECT_EQ(a.member("page"), nlohmann::json("/a"));
  EXPECT_EQ(b.member("page"), nlohmann::json("/b"));
  EXPECT_EQ(a.member("n"), nlohmann::json(1));

  a.set_member("extra", "x");  // a's text changed after its parse
  EXPECT_EQ(a.member("extra"), nlohmann::json("x"));
  EXPECT_EQ(a.member("page"), nlohmann::json("/a"));

  Event c(R"({"page":"/c"})");
  ASSERT_EQ(c.json_type(), JsonType::object);
  std::optional<nlohmann::json> read_elsewhere;
  std::thread([&] {
    Event d(R"({"page":"/d"})");
    (void)d.json_type();  // this thread's parser holds d
    read_elsewhere = c.member("page");
  }).join();
  EXPECT_EQ(read_elsewhere, nlohmann::json("/c"));
  EXPECT_FALSE(a.json_parsed() || b.json_parsed() || c.json_parsed()) << "no DOM was needed";
}

// A source may hand in a document nlohmann parsed from text with a NUL in it (nlohmann stops
// there). The text is what sinks send, so json_type() judges the text, not the document: the hub
// trusts json_type() and would otherwise splice `{}<NUL>junk` into a frame (found by hub_frames_fuzz).
// A member set_member appended is read back by member() as json() reads the text it wrote (a
// non-negative integer is unsigned there, whatever it was set as), and without building the DOM.
TEST(EventJsonCheck, AnAppendedMemberReadsBackAsTheTextDoes) {
  const std::vector<nlohmann::json> values = {
      5,
      -5,
      0,
      std::numeric_limits<std::int64_t>::min(),
      std::numeric_limits<std::uint64_t>::max(),
      "text",
      "",
      "caf\xc3\xa9",
      true,
      false,
      nullptr,
      1.5,
      2.0,
      -0.0,
      std::nan(""),
  };
  for (const nlohmann::json& value : values) {
    SCOPED_TRACE(value.dump());
    Event e(R"({"page":"/a","n":-0})");
    ASSERT_EQ(e.json_type(), JsonType::object);
    e.set_member("k", value);
    const nlohmann::json text = nlohmann::json::parse(e.payload());
    const auto read = e.member("k");
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->dump(), text.at("k").dump());
    EXPECT_EQ(read->type(), text.at("k").type());
    EXPECT_EQ(*e.member("page"), "/a") << "the members before are still read";
    EXPECT_EQ(e.member("n")->dump(), text.at("n").dump()) << "-0: the DOM's";
  }
  Event e(R"({"page":"/a"})");
  e.set_member("id", "x");
  e.set_member("receivedAt", 17);
  EXPECT_EQ(*e.member("id"), "x");
  EXPECT_EQ(*e.member("receivedAt"), 17u);
  EXPECT_EQ(*e.member("page"), "/a");
  EXPECT_FALSE(e.json_parsed()) << "scalars are read from the index, not a DOM";
}

TEST(EventJsonCheck, ADocumentHandedInDoesNotVouchForTextWithANul) {
  const Event event(std::string("{}\0junk", 7), nlohmann::json::object());
  EXPECT_THROW((void)event.json_type(), EventError);
}

}  // namespace
}  // namespace sluice
