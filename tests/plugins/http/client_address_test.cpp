// `client_address`, against the real http and clicks plugins in a real engine: the http source
// puts the client's address in the event's metadata (http.client_address) only when asked (off by
// default, for privacy), and enrich's client_address writes it into the click as `clientAddress`.
// A client cannot choose its own address with X-Forwarded-For; behind a proxy listed in
// trusted_proxies, the address is the one that proxy forwarded, as for the rate limit.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "listening_engine.hpp"
#include "raw_http_client.hpp"
#include "wait.hpp"

namespace sluice::test {
namespace {

using json = nlohmann::json;

std::string pipeline(const std::string& source_options) {
  return "pipelines:\n"
         "  ingest:\n"
         "    source: {type: http, listen: '127.0.0.1:0', routes: [{path: /click, action: events}]" +
         source_options +
         "}\n"
         "    transforms: [{type: enrich, client_address: true}]\n"
         "    sinks: [{type: capture, name: out}]\n";
}

struct Stored {
  json click;
  std::map<std::string, std::string> metadata;
};

// Posts one click (with `headers`) to a fresh engine and returns what the sink stored.
Stored post_one(const std::string& source_options, const std::string& headers = "") {
  auto e = make_listening_engine(pipeline(source_options));
  e.engine->start();
  RawHttpClient client(e.port);
  client.send(json_post("/click", R"({"page":"p","clickNumber":1})", headers));
  const auto answer = client.read_answer();
  EXPECT_TRUE(answer && answer->status == 200) << (answer ? answer->body : "no answer");
  e.engine->request_stop();
  EXPECT_EQ(e.engine->wait(), 0);
  const auto stored = capture_store("out")->captured();
  if (stored.payloads.size() != 1) {
    ADD_FAILURE() << stored.payloads.size() << " events stored";
    return {};
  }
  return {json::parse(stored.payloads[0]), stored.metadata[0]};
}

TEST(ClientAddress, OffByDefaultTheAddressIsNowhereInTheEvent) {
  const auto stored = post_one("");
  EXPECT_FALSE(stored.click.contains("clientAddress")) << stored.click.dump();
  EXPECT_EQ(stored.metadata.count("http.client_address"), 0u);
}

TEST(ClientAddress, OnTheSourceRecordsThePeerAndEnrichWritesItIntoTheClick) {
  const auto stored = post_one(", client_address: true");
  EXPECT_EQ(stored.metadata.at("http.client_address"), "127.0.0.1");
  EXPECT_EQ(stored.click["clientAddress"], "127.0.0.1") << stored.click.dump();
  EXPECT_EQ(stored.click["page"], "p");
}

TEST(ClientAddress, AClientCannotNameItsOwnAddressWithXForwardedFor) {
  const auto stored = post_one(", client_address: true", "X-Forwarded-For: 203.0.113.7\r\n");
  EXPECT_EQ(stored.click["clientAddress"], "127.0.0.1") << "no trusted proxy: the header is not believed";
}

TEST(ClientAddress, BehindATrustedProxyItIsTheAddressTheProxyForwarded) {
  // The client wrote its own X-Forwarded-For (198.51.100.9); the proxy on 127.0.0.1 appended the
  // address it saw (203.0.113.7). The first address from the right that is not a trusted proxy.
  const auto stored = post_one(", client_address: true, trusted_proxies: [127.0.0.1]",
                               "X-Forwarded-For: 198.51.100.9, 203.0.113.7\r\n");
  EXPECT_EQ(stored.click["clientAddress"], "203.0.113.7") << stored.click.dump();
  EXPECT_EQ(stored.metadata.at("http.client_address"), "203.0.113.7");
}

}  // namespace
}  // namespace sluice::test
