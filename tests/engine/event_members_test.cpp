// Event::set_member writes the appended member's text by hand (engine/sdk/json_text.cpp), not with
// nlohmann's dump: these tests hold it to what dump() writes, byte for byte where dump's form is
// the only one (strings, integers), and to a text that reads back the same value (doubles).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sluice/errors.hpp"
#include "sluice/event.hpp"

namespace sluice {
namespace {

// The payload after appending {key: value} to an empty object.
std::string appended(const std::string& key, const nlohmann::json& value) {
  Event e("{}");
  e.set_member(key, value);
  return std::string(e.payload());
}

std::string dumped(const std::string& key, const nlohmann::json& value) {
  return nlohmann::json::object({{key, value}}).dump();
}

TEST(EventMembers, StringsAreEscapedAsDumpEscapesThem) {
  std::string every_ascii;
  for (int c = 1; c < 0x80; ++c) every_ascii += static_cast<char>(c);
  const std::string cases[] = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      "\b\f\n\r\t",
      std::string("nul \0 inside", 12),
      "\x01\x1f\x7f",
      every_ascii,
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // é € 😀
      "\xef\xbb\xbf bom and U+FFFF \xef\xbf\xbf",
      "\xf4\x8f\xbf\xbf last code point",
      std::string(300, 'x') + "\"",
  };
  for (const std::string& s : cases) {
    EXPECT_EQ(appended("k", s), dumped("k", s)) << "value " << nlohmann::json(s).dump();
    EXPECT_EQ(appended(s, 1), dumped(s, 1)) << "key " << nlohmann::json(s).dump();
    EXPECT_EQ(nlohmann::json::parse(appended("k", s))["k"], s) << "reads back";
  }
}

// The writer tests eight bytes at a time and looks at bytes one by one only where a word holds
// one that needs care: every such byte, at every position of a text longer than two words, must
// still be escaped (or refused) as dump() does it.
TEST(EventMembers, EveryByteThatNeedsCareIsSeenAtEveryPosition) {
  std::vector<std::string> needs_care = {
      "\"", "\\", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", std::string(1, '\0')};
  for (int c = 1; c < 0x20; ++c) needs_care.emplace_back(1, static_cast<char>(c));
  for (const std::string& odd : needs_care) {
    for (std::size_t at = 0; at <= 24; ++at) {
      std::string s(24, 'a');
      s.insert(at, odd);
      EXPECT_EQ(appended("k", s), dumped("k", s)) << ::testing::PrintToString(s);
    }
  }
  for (const std::string bad : {"\xff", "\x80", "\xc3"}) {
    for (std::size_t at = 0; at <= 24; ++at) {
      std::string s(24, 'a');
      s.insert(at, bad);
      Event e(R"({"a":1})");
      EXPECT_THROW(e.set_member("k", s), EventError) << ::testing::PrintToString(s);
      EXPECT_EQ(e.payload(), R"({"a":1})");
    }
  }
}

TEST(EventMembers, InvalidUtf8IsAnEventErrorAndLeavesTheEvent) {
  const std::string bad[] = {
      "\xff",
      "a\x80",
      "\xc0\xaf",  // lone continuation, overlong '/'
      "\xc3",
      "\xe2\x82",
      "\xf0\x9f\x98",      // cut sequences
      "\xed\xa0\x80",      // a surrogate
      "\xf4\x90\x80\x80",  // past U+10FFFF
      "\xe0\x80\xaf",
      "\xf0\x80\x80\xaf",  // overlong
  };
  for (const std::string& s : bad) {
    Event value(R"({"a":1})");
    EXPECT_THROW(value.set_member("k", s), EventError) << ::testing::PrintToString(s);
    EXPECT_EQ(value.payload(), R"({"a":1})");
    Event key(R"({"a":1})");
    EXPECT_THROW(key.set_member(s, 1), EventError);
    EXPECT_EQ(key.payload(), R"({"a":1})");
    EXPECT_THROW((void)nlohmann::json(s).dump(), nlohmann::json::type_error) << "dump() refuses it too";
  }
  Event e(R"({"a":1})");
  try {
    e.set_member("k", std::string("ok\xff"));
    FAIL() << "no EventError";
  } catch (const EventError& err) {
    EXPECT_STREQ(err.what(), "cannot serialise the edited JSON: invalid UTF-8 byte at index 2: 0xFF");
  }
}

TEST(EventMembers, IntegersAsDumpWritesThem) {
  const nlohmann::json cases[] = {0,
                                  1,
                                  -1,
                                  1764000000000,
                                  std::numeric_limits<std::int64_t>::min(),
                                  std::numeric_limits<std::int64_t>::max(),
                                  std::numeric_limits<std::uint64_t>::max()};
  for (const auto& v : cases) EXPECT_EQ(appended("n", v), dumped("n", v)) << v;
}

TEST(EventMembers, DoublesReadBackTheSameAndStayDoubles) {
  const double cases[] = {
      0.0, -0.0, 1.0, -1.5, 0.1, 1e-7, 1e21, 123456789.125, 1e300, 5e-324, std::numeric_limits<double>::max(), 2.5e15};
  for (double d : cases) {
    const auto back = nlohmann::json::parse(appended("d", d))["d"];
    EXPECT_TRUE(back.is_number_float()) << appended("d", d);
    EXPECT_EQ(back.get<double>(), d) << appended("d", d);
    EXPECT_EQ(std::signbit(back.get<double>()), std::signbit(d)) << appended("d", d);
  }
  EXPECT_EQ(appended("d", 1.0), R"({"d":1.0})");
  EXPECT_EQ(appended("d", 0.1), R"({"d":0.1})");
  EXPECT_EQ(appended("d", std::nan("")), R"({"d":null})") << "as dump() writes it";
  EXPECT_EQ(appended("d", std::numeric_limits<double>::infinity()), R"({"d":null})");
}

TEST(EventMembers, OtherValues) {
  EXPECT_EQ(appended("b", true), R"({"b":true})");
  EXPECT_EQ(appended("b", false), R"({"b":false})");
  EXPECT_EQ(appended("z", nullptr), R"({"z":null})");
  const nlohmann::json nested = {{"a", {1, "two", nullptr}}, {"o", nlohmann::json::object()}};
  EXPECT_EQ(appended("x", nested), dumped("x", nested));
  Event bad("{}");
  EXPECT_THROW(bad.set_member("x", nlohmann::json::array({std::string("\xff")})), EventError);
  EXPECT_EQ(bad.payload(), "{}");
}

}  // namespace
}  // namespace sluice
