// Events: JSON parsed on demand, once; edits re-serialised; metadata.

#include <array>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ids/random_uuid.hpp"
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

TEST(Event, ASourceThatParsedAlreadyHandsOnTheDocument) {
  const std::string text = R"({"page":"a",  "clickNumber":3})";
  Event e(text, nlohmann::json::parse(text));
  EXPECT_TRUE(e.json_parsed()) << "no second parse in the pipeline";
  EXPECT_EQ(e.json()["clickNumber"], 3);
  EXPECT_EQ(e.payload(), text) << "the bytes the client sent, not a re-serialisation";
  e.mutable_json()["id"] = "x1";
  EXPECT_EQ(nlohmann::json::parse(e.payload()), nlohmann::json({{"page", "a"}, {"clickNumber", 3}, {"id", "x1"}}));
}

TEST(Event, EditedJsonIsReserialised) {
  Event e(R"({"page":"a"})");
  e.mutable_json()["id"] = "x1";
  EXPECT_EQ(nlohmann::json::parse(e.payload()), nlohmann::json({{"page", "a"}, {"id", "x1"}}));
  e.set_payload("[1]");
  EXPECT_FALSE(e.json_parsed());
  EXPECT_EQ(e.payload(), "[1]");
}

TEST(Event, ANewMemberIsAppendedToThePayloadWithoutReserialisingIt) {
  Event e("{\"b\": 1, \"a\": [1, 2]}\n");
  e.set_member("id", "x\"1");
  e.set_member("n", 7);
  EXPECT_EQ(e.payload(), "{\"b\": 1, \"a\": [1, 2],\"id\":\"x\\\"1\",\"n\":7}\n")
      << "the sender's bytes, then the members";
  EXPECT_EQ(e.json(), nlohmann::json({{"b", 1}, {"a", {1, 2}}, {"id", "x\"1"}, {"n", 7}}));

  Event empty(" {} ");
  empty.set_member("id", "x");
  EXPECT_EQ(nlohmann::json::parse(empty.payload()), nlohmann::json({{"id", "x"}}));

  Event replaced(R"({"id":"old","k":1})");
  replaced.set_member("id", "new");
  EXPECT_EQ(nlohmann::json::parse(replaced.payload()), nlohmann::json({{"id", "new"}, {"k", 1}}));

  Event array("[1]");
  EXPECT_THROW(array.set_member("id", "x"), EventError);

  Event bytes(R"({"a":1})");
  EXPECT_THROW(bytes.set_member("raw", std::string("\xff")), EventError) << "JSON cannot carry it";
  EXPECT_EQ(bytes.payload(), R"({"a":1})") << "and the event is left as it was";
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

// nlohmann's lexer ends its input at a NUL: without the check, `{"a":1}<NUL>junk` parsed and the
// junk stayed in the payload (found by the fuzz targets). A number too large for a double threw
// out_of_range, not an EventError.
TEST(Event, ANulByteOrAnOverflowingNumberIsAnEventError) {
  Event nul(std::string("{\"a\":1}\0junk", 12));
  EXPECT_THROW((void)nul.json(), EventError);
  Event huge("{\"a\": 1e99999}");
  EXPECT_THROW((void)huge.json(), EventError);
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

TEST(Uuid, IsAVersion4UuidAndNotRepeated) {
  const std::string a = random_uuid();
  EXPECT_THAT(a, ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(a, random_uuid());
}

// Every random digit of the id comes from the random bits: across 200 ids each position takes
// many values (a digit written from the wrong byte, or twice from the same one, would show as a
// position stuck at one value or two positions always equal). 14 of 16 values in 200 draws fail
// to appear with a chance below 1e-150.
TEST(Uuid, EveryRandomDigitVaries) {
  std::array<std::set<char>, 36> seen;
  std::vector<std::string> ids;
  for (int n = 0; n < 200; ++n) ids.push_back(random_uuid());
  for (const std::string& id : ids) {
    for (std::size_t i = 0; i < id.size(); ++i) seen[i].insert(id[i]);
  }
  for (std::size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(seen[i], std::set<char>{'-'});
    } else if (i == 14) {
      EXPECT_EQ(seen[i], std::set<char>{'4'}) << "the version";
    } else if (i == 19) {
      EXPECT_EQ(seen[i], (std::set<char>{'8', '9', 'a', 'b'})) << "the variant";
    } else {
      EXPECT_GE(seen[i].size(), 14u) << "position " << i;
    }
  }
  for (std::size_t i = 0; i < 36; ++i) {
    for (std::size_t j = i + 1; j < 36; ++j) {
      if (seen[i].size() < 14 || seen[j].size() < 14) continue;
      bool always_equal = true;
      for (const std::string& id : ids) always_equal = always_equal && id[i] == id[j];
      EXPECT_FALSE(always_equal) << "positions " << i << " and " << j;
    }
  }
}

}  // namespace
}  // namespace sluice
