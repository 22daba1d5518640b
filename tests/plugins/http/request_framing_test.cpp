// RFC 9112 §6.1/§6.3: only a Transfer-Encoding whose one coding is chunked is accepted.

#include <gtest/gtest.h>

#include "request_framing.hpp"

namespace sluice::http {
namespace {

int status_of(std::vector<std::string_view> te, bool content_length = false, unsigned version = 11) {
  const auto e = check_framing(te, content_length, version);
  return e ? e->status : 0;
}

TEST(RequestFraming, NoneOrExactlyChunkedIsAccepted) {
  EXPECT_EQ(status_of({}), 0);
  EXPECT_EQ(status_of({}, true), 0);
  EXPECT_EQ(status_of({"chunked"}), 0);
  EXPECT_EQ(status_of({"CHUNKED"}), 0);
  EXPECT_EQ(status_of({" chunked , "}), 0) << "empty list elements are allowed";
}

TEST(RequestFraming, AFinalCodingOtherThanChunkedIs400) {
  for (std::string_view te : {"chunked, identity", "gzip", "identity", "chunked;q=1", "chunked, gzip", ",", ""}) {
    EXPECT_EQ(status_of({te}), 400) << te;
  }
  EXPECT_EQ(status_of({"chunked", "gzip"}), 400) << "across two fields";
}

TEST(RequestFraming, ChunkedTwiceIs400AndOtherCodingsBeforeChunkedAre501) {
  EXPECT_EQ(status_of({"chunked, chunked"}), 400);
  EXPECT_EQ(status_of({"chunked", "chunked"}), 400);
  EXPECT_EQ(status_of({"gzip, chunked"}), 501);
  EXPECT_EQ(status_of({"gzip", "chunked"}), 501);
  EXPECT_EQ(status_of({"x-unknown, chunked"}), 501);
}

TEST(RequestFraming, WithContentLengthOrOnHttp10Is400) {
  EXPECT_EQ(status_of({"chunked"}, true), 400);
  EXPECT_EQ(status_of({"chunked"}, false, 10), 400);
}

}  // namespace
}  // namespace sluice::http
