// The click body parser: POST /click takes one JSON document, POST /clicks a JSON array or NDJSON.
// Each event keeps the client's text (an array element is re-serialised) and carries its parsed
// document; a refusal says why and, for NDJSON, at which line. A BOM is dropped at ingest, and
// bytes that are not UTF-8 are a BodyError, never a throw or a stored payload.

#include <gtest/gtest.h>

#include <functional>

#include <gmock/gmock.h>
#include <nlohmann/json.hpp>

#include "click_body.hpp"

namespace sluice::http {
namespace {

const std::string bom = "\xEF\xBB\xBF";

TEST(ClickBody, AByteOrderMarkIsDroppedFromASingleBody) {
  std::vector<Event> out;
  ASSERT_FALSE(parse_single(bom + "{\"page\": \"p\"}", Clock::now(), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload(), "{\"page\": \"p\"}");
}

TEST(ClickBody, AByteOrderMarkIsDroppedFromABatchAndFromEveryNdjsonLine) {
  std::vector<Event> array;
  ASSERT_FALSE(parse_batch(bom + "[{\"a\":1}]", 10, Clock::now(), array));
  ASSERT_EQ(array.size(), 1u);
  EXPECT_EQ(array[0].payload(), "{\"a\":1}");
  std::vector<Event> lines;
  ASSERT_FALSE(parse_batch(bom + "{\"a\":1}\n" + bom + "{\"a\":2}\n", 10, Clock::now(), lines));
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& e : lines) {
    EXPECT_EQ(e.payload().substr(0, 1), "{") << e.payload();
    EXPECT_TRUE(nlohmann::json::accept(e.payload()));
  }
}

TEST(ClickBody, BytesThatAreNotUtf8AreRefusedWithAMessage) {
  for (const std::string body : {"{\"page\": \"\xff\"}", "\xff", "{\"a\": \"\xed\xa0\x80\"}", "\xc0\xaf"}) {
    std::vector<Event> single, batch;
    const auto e1 = parse_single(body, Clock::now(), single);
    const auto e2 = parse_batch(body, 10, Clock::now(), batch);
    ASSERT_TRUE(e1) << body;
    ASSERT_TRUE(e2) << body;
    EXPECT_TRUE(single.empty());
    EXPECT_TRUE(batch.empty());
    EXPECT_FALSE(e1->message.empty());
  }
}

TEST(ClickBody, ABomInTheMiddleIsNotSkipped) {
  std::vector<Event> out;
  EXPECT_TRUE(parse_single("{\"a\":1}" + bom, Clock::now(), out));
}

// Found by the click_body fuzz target: nlohmann stops at a NUL, so the junk after one was kept
// in an accepted payload.
TEST(ClickBody, ANulByteIsRefusedNotCutOff) {
  const std::string body("{\"page\":\"a\"}\0junk", 17);
  std::vector<Event> single, lines;
  const auto e1 = parse_single(body, Clock::now(), single);
  const auto e2 = parse_batch(body + "\n", 10, Clock::now(), lines);
  ASSERT_TRUE(e1);
  ASSERT_TRUE(e2);
  EXPECT_NE(e1->message.find("NUL"), std::string::npos) << e1->message;
  EXPECT_TRUE(single.empty());
  EXPECT_TRUE(lines.empty());
}

// Found by the fuzz target: a number too large for a double threw out_of_range past the parser.
TEST(ClickBody, ANumberTooLargeForADoubleIsABodyErrorNotAThrow) {
  for (const std::string body : {"{\"clickNumber\": 1e99999}", "[{\"clickNumber\": -1e99999}]"}) {
    std::vector<Event> single, batch;
    std::optional<BodyError> e1, e2;
    ASSERT_NO_THROW(e1 = parse_single(body, Clock::now(), single)) << body;
    ASSERT_NO_THROW(e2 = parse_batch(body, 10, Clock::now(), batch)) << body;
    EXPECT_TRUE(e1) << body;
    EXPECT_TRUE(e2) << body;
  }
}

// Found by tests/security: one array element nested 100,000 levels deep overflowed the stack when
// it was serialised as its own event.
TEST(ClickBody, DeepNestingIsRefusedBeforeItIsParsed) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::vector<Event> out;
  const auto array = parse_batch("[" + deep + "]", 10, Clock::now(), out);
  ASSERT_TRUE(array);
  EXPECT_NE(array->message.find("nested deeper"), std::string::npos) << array->message;
  const auto single = parse_single("{\"page\": " + deep + "}", Clock::now(), out);
  ASSERT_TRUE(single);
  EXPECT_TRUE(out.empty());
  // Brackets inside strings are text, not nesting.
  ASSERT_FALSE(parse_single("{\"page\": \"" + std::string(1000, '[') + "\\\"\"}", Clock::now(), out));
  EXPECT_EQ(out.size(), 1u);
}

using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;

std::vector<std::string> payloads_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.emplace_back(e.payload());
  return out;
}

TEST(ClickBody, ASingleBodyIsOneEventWithTheClientsTextCheckedWithoutADom) {
  const auto received = Clock::now() - std::chrono::seconds(5);
  const std::string body = "{\"page\": \"docs\",  \"clickNumber\": 2}\n";
  std::vector<Event> out;
  ASSERT_FALSE(parse_single(body, received, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload(), body) << "the bytes the client sent, not re-serialised";
  EXPECT_EQ(out[0].json_type(), JsonType::object);
  EXPECT_FALSE(out[0].json_parsed()) << "checked without building a DOM, which nothing on the click path needs";
  EXPECT_EQ(out[0].json(), json::parse(R"({"page":"docs","clickNumber":2})"));
  EXPECT_EQ(out[0].received_at(), received);
}

TEST(ClickBody, ASingleBodyMayBeAnyJsonValueTheValidationDecidesTheRest) {
  // /click takes one document; whether it is a click is json_validate's business (its 400 names
  // the field), so a bare array or number is one event here, not a batch.
  for (const std::string body : {"[1,2]", "7", "\"text\"", "null"}) {
    std::vector<Event> out;
    ASSERT_FALSE(parse_single(body, Clock::now(), out)) << body;
    ASSERT_EQ(out.size(), 1u) << body;
    EXPECT_EQ(out[0].payload(), body);
  }
}

TEST(ClickBody, AnEmptyOrBlankBodyIsRefusedWithWhatToSend) {
  for (const std::string body : {"", " ", "\r\n\t ", "\xEF\xBB\xBF", "\xEF\xBB\xBF \n"}) {
    std::vector<Event> out;
    const auto single = parse_single(body, Clock::now(), out);
    ASSERT_TRUE(single);
    EXPECT_EQ(single->message,
              "the body is empty; expected a JSON object such as {\"page\": \"frontend\", \"clickNumber\": 1}");
    EXPECT_FALSE(single->index);
    const auto batch = parse_batch(body, 10, Clock::now(), out);
    ASSERT_TRUE(batch);
    EXPECT_EQ(batch->message, "the body is empty; expected a JSON array or NDJSON");
    EXPECT_FALSE(batch->index);
    EXPECT_TRUE(out.empty());
  }
}

TEST(ClickBody, ASyntaxErrorGivesTheParsersReasonAndNoEvent) {
  std::vector<Event> out;
  const auto e = parse_single("{\"page\": \"a\",}", Clock::now(), out);
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, StartsWith("invalid JSON: parse error at line 1, column 14: "));
  EXPECT_FALSE(e->index) << "a single body has no element to point at";
  EXPECT_TRUE(out.empty());
  const auto two = parse_single("{\"page\": \"a\"} {\"page\": \"b\"}", Clock::now(), out);
  ASSERT_TRUE(two) << "two documents are not one click";
  EXPECT_THAT(two->message, StartsWith("invalid JSON: "));
  EXPECT_TRUE(out.empty());
}

TEST(ClickBody, AnArrayIsOneEventPerElementInOrder) {
  std::vector<Event> out;
  ASSERT_FALSE(parse_batch(" [ {\"page\": \"a\"}, {\"page\": \"b\", \"n\": [1, 2]}, 3 ] ", 10, Clock::now(), out));
  EXPECT_EQ(payloads_of(out), (std::vector<std::string>{R"({"page":"a"})", R"({"n":[1,2],"page":"b"})", "3"}))
      << "each element serialised compactly";
  for (const auto& e : out) {
    EXPECT_TRUE(e.json_parsed());
    EXPECT_EQ(e.json(), json::parse(e.payload()));
  }
  std::vector<Event> none;
  ASSERT_FALSE(parse_batch("[]", 10, Clock::now(), none)) << "an empty array is a batch of nothing";
  EXPECT_TRUE(none.empty());
}

TEST(ClickBody, AnArrayWithASyntaxErrorIsRefusedWhole) {
  std::vector<Event> out;
  const auto e = parse_batch("[{\"page\": \"a\"}, {\"page\": }]", 10, Clock::now(), out);
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, StartsWith("invalid JSON: parse error at line 1, column 26: "));
  EXPECT_TRUE(out.empty()) << "nothing of a refused request is stored";
  const auto trailing = parse_batch("[1] [2]", 10, Clock::now(), out);
  ASSERT_TRUE(trailing);
  EXPECT_TRUE(out.empty());
}

TEST(ClickBody, NdjsonIsOneEventPerNonEmptyLineWithTheLinesText) {
  std::vector<Event> out;
  const std::string body = "{\"page\":\"a\"}\n\n  \n{\"page\": \"b\"}\r\n[1]\n{\"page\":\"c\"}";  // no final newline
  ASSERT_FALSE(parse_batch(body, 10, Clock::now(), out));
  EXPECT_EQ(payloads_of(out),
            (std::vector<std::string>{"{\"page\":\"a\"}", "{\"page\": \"b\"}\r", "[1]", "{\"page\":\"c\"}"}))
      << "blank lines skipped; each line kept as sent";
  for (const auto& e : out) EXPECT_FALSE(e.json_parsed()) << "checked, no DOM built";
  EXPECT_EQ(out[2].json_type(), JsonType::array);
  EXPECT_EQ(out[1].json(), json::parse(R"({"page":"b"})"));
}

TEST(ClickBody, ABadNdjsonLineIsNamedByItsNumberCountingBlankLines) {
  std::vector<Event> out;
  const auto e =
      parse_batch("{\"page\":\"a\"}\n\n{\"page\":\"b\"}\n{\"page\": nope}\n{\"page\":\"d\"}\n", 10, Clock::now(), out);
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, StartsWith("line 4: invalid JSON: parse error at line 1, column 11: "));
  ASSERT_TRUE(e->index);
  EXPECT_EQ(*e->index, 3u) << "the index counts from 0; the message from 1";
  const auto nested = parse_batch("{}\n" + std::string(65, '[') + std::string(65, ']') + "\n", 10, Clock::now(), out);
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->message, "line 2: nested deeper than 64 levels");
  EXPECT_EQ(nested->index, std::optional<std::size_t>(1));
}

TEST(ClickBody, SixtyFourLevelsAreAcceptedAndSixtyFiveAreNot) {
  std::vector<Event> out;
  EXPECT_FALSE(parse_single(std::string(64, '[') + std::string(64, ']'), Clock::now(), out));
  const auto deeper = parse_single(std::string(65, '[') + std::string(65, ']'), Clock::now(), out);
  ASSERT_TRUE(deeper);
  EXPECT_EQ(deeper->message, "nested deeper than 64 levels");
  EXPECT_FALSE(parse_batch("[" + std::string(63, '[') + std::string(63, ']') + "]", 10, Clock::now(), out));
  EXPECT_TRUE(parse_batch("[" + std::string(64, '[') + std::string(64, ']') + "]", 10, Clock::now(), out));
}

// Nesting is counted over both kinds of bracket together: depth 65 made of objects and arrays in
// turn, each kind fewer than 65 times, is refused all the same; depth 64 so made is not.
TEST(ClickBody, MixedNestingCountsBothBrackets) {
  const auto nested = [](int levels) {
    std::string open, close;
    for (int i = 0; i < levels; ++i) {
      open += i % 2 ? "{\"a\":" : "[";
      close.insert(0, i % 2 ? "}" : "]");
    }
    return open + "1" + close;
  };
  std::vector<Event> out;
  EXPECT_FALSE(parse_single(nested(64), Clock::now(), out));
  const auto deeper = parse_single(nested(65), Clock::now(), out);
  ASSERT_TRUE(deeper);
  EXPECT_EQ(deeper->message, "nested deeper than 64 levels");
  // Many brackets side by side are not nesting.
  std::string wide = "[";
  for (int i = 0; i < 200; ++i) wide += i ? ",{}" : "{}";
  EXPECT_FALSE(parse_single(wide + "]", Clock::now(), out));
}

TEST(ClickBody, MaxEventsIsABoundNotAnOffByOne) {
  const auto array_of = [](int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) s += (i ? ",{\"n\":" : "{\"n\":") + std::to_string(i) + "}";
    return s + "]";
  };
  const auto ndjson_of = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "{\"n\":" + std::to_string(i) + "}\n\n";  // blank lines do not count
    return s;
  };
  for (const auto& make : {std::function<std::string(int)>(array_of), std::function<std::string(int)>(ndjson_of)}) {
    std::vector<Event> at_max;
    ASSERT_FALSE(parse_batch(make(5), 5, Clock::now(), at_max)) << make(5);
    EXPECT_EQ(at_max.size(), 5u);
    std::vector<Event> over;
    const auto e = parse_batch(make(6), 5, Clock::now(), over);
    ASSERT_TRUE(e) << make(6);
    EXPECT_EQ(e->message, "more than 5 events in one request");
    EXPECT_FALSE(e->index);
  }
}

TEST(ClickBody, EveryEventOfABatchHasTheRequestsReceiveTime) {
  const auto received = Clock::now() - std::chrono::minutes(1);
  std::vector<Event> array, lines;
  ASSERT_FALSE(parse_batch("[{},{}]", 10, received, array));
  ASSERT_FALSE(parse_batch("{}\n{}", 10, received, lines));
  for (const auto& e : array) EXPECT_EQ(e.received_at(), received);
  for (const auto& e : lines) EXPECT_EQ(e.received_at(), received);
}

TEST(ClickBody, EventsAreAppendedAfterWhatTheVectorHeld) {
  std::vector<Event> out;
  out.emplace_back("earlier");
  ASSERT_FALSE(parse_batch("{\"a\":1}\n{\"a\":2}", 10, Clock::now(), out));
  EXPECT_EQ(payloads_of(out), (std::vector<std::string>{"earlier", "{\"a\":1}", "{\"a\":2}"}));
}

}  // namespace
}  // namespace sluice::http
