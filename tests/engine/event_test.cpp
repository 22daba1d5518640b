// Events: JSON parsed on demand, once; edits re-serialised; metadata.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sluice/errors.hpp"
#include "sluice/event.hpp"

namespace sluice {
namespace {

TEST(Event, ParsesJsonOnceAndOnlyWhenAsked) {
  Event e(R"({"page":"a","clickNumber":3})");
  EXPECT_FALSE(e.json_parsed());
  const nlohmann::json& first = e.json();
  EXPECT_TRUE(e.json_parsed());
  EXPECT_EQ(first["clickNumber"], 3);
  EXPECT_EQ(&first, &e.json()) << "the same parsed object is returned, not parsed again";
}

TEST(Event, EditedJsonIsReserialised) {
  Event e(R"({"page":"a"})");
  e.mutable_json()["id"] = "x1";
  EXPECT_EQ(nlohmann::json::parse(e.payload()), nlohmann::json({{"page", "a"}, {"id", "x1"}}));
  e.set_payload("[1]");
  EXPECT_FALSE(e.json_parsed());
  EXPECT_EQ(e.payload(), "[1]");
}

TEST(Event, MalformedJsonGivesTheParsersReason) {
  Event e(R"({"page": )");
  try {
    (void)e.json();
    FAIL();
  } catch (const EventError& err) {
    EXPECT_THAT(err.what(), ::testing::StartsWith("invalid JSON: parse error at line 1, column 10: syntax error"));
  }
}

TEST(Event, MetadataSetReplacesAndErases) {
  Event e("x");
  e.meta().set("a", "1");
  e.meta().set("b", "2");
  e.meta().set("a", "3");
  ASSERT_NE(e.meta().find("a"), nullptr);
  EXPECT_EQ(*e.meta().find("a"), "3");
  EXPECT_EQ(e.meta().size(), 2u);
  EXPECT_TRUE(e.meta().erase("a"));
  EXPECT_EQ(e.meta().find("a"), nullptr);
  Event copy = e.clone();
  EXPECT_EQ(copy.payload(), "x");
  EXPECT_EQ(*copy.meta().find("b"), "2");
}

}  // namespace
}  // namespace sluice
