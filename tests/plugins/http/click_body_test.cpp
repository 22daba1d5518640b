// The click body parser: a BOM is dropped at ingest, and bytes that are not UTF-8 are a BodyError,
// never a throw or a stored payload.

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sluice::http
