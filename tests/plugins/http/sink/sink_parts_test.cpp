// The http sink's pieces that need no socket: its URL, what each answer status means, Retry-After
// and the backoff.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sink_retry.hpp"
#include "sink_url.hpp"
#include "sluice/errors.hpp"

namespace sluice::http {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

std::string refusal(const std::string& url) {
  try {
    (void)SinkUrl::parse(url);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.option(), "url");
    return e.what();
  }
  return "accepted";
}

TEST(SinkUrl, TakesHostPortPathAndQuery) {
  const SinkUrl u = SinkUrl::parse("http://collector.example:8080/v1/events?source=sluice");
  EXPECT_EQ(u.host, "collector.example");
  EXPECT_EQ(u.port, "8080");
  EXPECT_EQ(u.target, "/v1/events?source=sluice");
  EXPECT_EQ(u.host_header, "collector.example:8080");
}

TEST(SinkUrl, DefaultsToPort80AndPathSlash) {
  const SinkUrl u = SinkUrl::parse("HTTP://collector");
  EXPECT_EQ(u.port, "80");
  EXPECT_EQ(u.target, "/");
  EXPECT_EQ(u.host_header, "collector");
  EXPECT_EQ(SinkUrl::parse("http://h?x=1").target, "/?x=1");
}

TEST(SinkUrl, TakesAnIpv6AddressInBrackets) {
  const SinkUrl u = SinkUrl::parse("http://[::1]:9000/in");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "9000");
  EXPECT_EQ(u.host_header, "[::1]:9000");
}

TEST(SinkUrl, RefusesHttpsSayingItIsNotSupportedAndWhatToDo) {
  const std::string why = refusal("https://collector/events");
  EXPECT_THAT(why, HasSubstr("https"));
  EXPECT_THAT(why, HasSubstr("does not support"));
  EXPECT_THAT(why, HasSubstr("TLS-terminating proxy"));
}

TEST(SinkUrl, RefusesWhatIsNotAnHttpUrlSayingWhy) {
  EXPECT_THAT(refusal("collector:8080/events"), HasSubstr("must start with http://"));
  EXPECT_THAT(refusal("ftp://collector/"), HasSubstr("must start with http://"));
  EXPECT_THAT(refusal("http:///events"), HasSubstr("names no host"));
  EXPECT_THAT(refusal("http://collector:0/"), HasSubstr("expected a number from 1 to 65535"));
  EXPECT_THAT(refusal("http://collector:http/"), HasSubstr("expected a number from 1 to 65535"));
  EXPECT_THAT(refusal("http://collector:/"), HasSubstr("empty port"));
  EXPECT_THAT(refusal("http://user:secret@collector/"), HasSubstr("Authorization header"));
  EXPECT_THAT(refusal("http://collector/a b"), HasSubstr("space"));
  EXPECT_THAT(refusal("http://collector/#top"), HasSubstr("fragment"));
  EXPECT_THAT(refusal("http://[::1/"), HasSubstr("closing ]"));
}

TEST(SinkAnswers, OnlyA2xxDeliversAndOnlyA4xxOtherThan408And429RefusesForGood) {
  EXPECT_EQ(verdict_for(200), AnswerVerdict::delivered);
  EXPECT_EQ(verdict_for(204), AnswerVerdict::delivered);
  for (unsigned s : {500u, 502u, 503u, 504u, 408u, 429u}) EXPECT_EQ(verdict_for(s), AnswerVerdict::retry) << s;
  for (unsigned s : {400u, 401u, 403u, 404u, 413u, 422u}) EXPECT_EQ(verdict_for(s), AnswerVerdict::refused) << s;
  for (unsigned s : {100u, 301u, 302u, 304u, 600u}) EXPECT_EQ(verdict_for(s), AnswerVerdict::failed) << s;
}

TEST(SinkAnswers, RetryAfterIsReadAsSecondsOrAsAnHttpDate) {
  const auto now = std::chrono::system_clock::from_time_t(1'800'000'000);  // 2027-01-15T08:00:00Z
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("Fri, 15 Jan 2027 08:00:30 GMT", now), milliseconds(30000));
  EXPECT_EQ(parse_retry_after("Fri, 15 Jan 2027 07:00:00 GMT", now), milliseconds(0)) << "in the past: now";
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", now), std::nullopt);
  EXPECT_GE(parse_retry_after("99999999999999999999", now).value(), std::chrono::hours(24)) << "no overflow";
}

TEST(SinkAnswers, TheBackoffDoublesUpToItsMaximum) {
  EXPECT_EQ(backoff_after(1, milliseconds(100), milliseconds(1000)), milliseconds(100));
  EXPECT_EQ(backoff_after(2, milliseconds(100), milliseconds(1000)), milliseconds(200));
  EXPECT_EQ(backoff_after(4, milliseconds(100), milliseconds(1000)), milliseconds(800));
  EXPECT_EQ(backoff_after(5, milliseconds(100), milliseconds(1000)), milliseconds(1000));
  EXPECT_EQ(backoff_after(4000000000u, milliseconds(100), milliseconds(1000)), milliseconds(1000));
}

TEST(SinkAnswers, AShortReasonIsOneLineOfPrintableTextCut) {
  EXPECT_EQ(short_reason("{\"error\":\n  \"bad\"}\n"), "{\"error\": \"bad\"}");
  EXPECT_EQ(short_reason("a\x01\xff"), "a??");
  EXPECT_EQ(short_reason(std::string(500, 'x'), 10), std::string(10, 'x') + "…");
}

}  // namespace
}  // namespace sluice::http
