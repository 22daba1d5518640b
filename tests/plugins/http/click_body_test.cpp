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

}  // namespace
}  // namespace sluice::http
