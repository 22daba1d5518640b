// Mistakes in the http source's `routes` are refused when the file is loaded (`sluice validate`
// as `sluice run`), each at the line and column of the route or value at fault, all in one pass.
// Real plugins, loaded from the build.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config_diagnostics.hpp"

namespace sluice::config {
namespace {

using ::testing::HasSubstr;

using test::column_of;

std::vector<Diagnostic> errors_of(const std::string& yaml, const EnvLookup& env = process_environment()) {
  return test::config_errors_of(yaml, "routes.yaml", env);
}

void expect_at(const Diagnostic& d, const std::string& yaml, int line, const std::string& needle) {
  test::expect_at(d, yaml, line, needle, "routes.yaml");
}

std::string file_with(const std::string& routes) {
  return "pipelines:\n"
         "  demo:\n"
         "    source:\n"
         "      type: http\n"
         "      listen: 127.0.0.1:0\n"
         "      routes:\n" +
         routes + "    sinks: [{type: drop}]\n";
}

TEST(HttpRoutesConfig, EveryMistakeIsReportedAtItsValue) {
  const std::string yaml = file_with(
      "        - {path: /orders, action: event}\n"                            // 7
      "        - {path: /a, action: health}\n"                                // 8
      "        - {path: /a, action: events}\n"                                // 9
      "        - {path: /b, action: events, methods: [GET], body: many}\n"    // 10
      "        - {path: /c, action: redirect, location: '/c?x=1'}\n"          // 11
      "        - {path: /d, action: static, folder: /no/such/folder/here}\n"  // 12
      "        - {path: /e, action: redirect, location: /f, status: 200}\n"   // 13
      "        - {path: /g, action: health, folder: web}\n"                   // 14
      "        - {path: h, action: health}\n"                                 // 15
      "        - {action: health}\n");                                        // 16
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 10u);
  expect_at(all[0], yaml, 7, "event}");
  EXPECT_EQ(all[0].message, "unknown action 'event'; expected one of events, health, redirect or static");
  EXPECT_EQ(all[0].where, "pipeline 'demo', source (http)");
  expect_at(all[1], yaml, 9, "/a, action: events");
  EXPECT_EQ(all[1].message, "duplicate path: a route for /a is routes[1] already");
  expect_at(all[2], yaml, 10, "[GET]");
  EXPECT_THAT(all[2].message, HasSubstr("its methods are POST, PUT or PATCH, not 'GET'"));
  expect_at(all[3], yaml, 10, "many");
  EXPECT_THAT(all[3].message, HasSubstr("body must be single (one JSON document) or batch"));
  expect_at(all[4], yaml, 11, "'/c?x=1'");
  EXPECT_EQ(all[4].message, "route /c redirects to itself");
  expect_at(all[5], yaml, 12, "/no/such");
  EXPECT_THAT(all[5].message, HasSubstr("'/no/such/folder/here' is not a folder that can be read"));
  expect_at(all[6], yaml, 13, "200}");
  EXPECT_THAT(all[6].message, HasSubstr("status must be 301, 302, 303, 307 or 308"));
  expect_at(all[7], yaml, 14, "web}");
  EXPECT_EQ(all[7].message,
            "'folder' is not an option of a health route (it belongs to static routes); it takes none besides path and "
            "action");
  expect_at(all[8], yaml, 15, "h, action");
  EXPECT_THAT(all[8].message, HasSubstr("path 'h' must start with /"));
  expect_at(all[9], yaml, 16, "{action");
  EXPECT_THAT(all[9].message, HasSubstr("a route needs a 'path'"));
}

TEST(HttpRoutesConfig, AMountAndARouteMayShareAPathButTwoMountsMayNot) {
  const std::string yaml = file_with(
      "        - {path: /, action: redirect, location: /app/}\n"  // 7
      "        - {path: /, action: static, folder: .}\n"          // 8
      "        - {path: /, action: static, folder: .}\n");        // 9
  const auto all = errors_of(yaml);
  ASSERT_EQ(all.size(), 1u);
  expect_at(all[0], yaml, 9, "/, action: static");
  EXPECT_EQ(all[0].message, "duplicate path: a static mount at / is routes[1] already");
}

TEST(HttpRoutesConfig, ASourceWithoutRoutesIsRefused) {
  const std::string none =
      "pipelines:\n  demo:\n    source: {type: http, listen: 127.0.0.1:0}\n    sinks: [{type: drop}]\n";
  const auto missing = errors_of(none);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_THAT(missing[0].message, HasSubstr("missing required option 'routes'"));
  const auto all = errors_of(
      "pipelines:\n  demo:\n    source: {type: http, listen: 127.0.0.1:0, routes: []}\n"
      "    sinks: [{type: drop}]\n");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_THAT(all[0].message, HasSubstr("declare at least one route"));
  const auto scalar = errors_of(
      "pipelines:\n  demo:\n    source: {type: http, listen: 127.0.0.1:0, routes: /click}\n"
      "    sinks: [{type: drop}]\n");
  ASSERT_EQ(scalar.size(), 1u);
  EXPECT_EQ(scalar[0].message, "option 'routes' expects a list of maps, got '/click'");
}

}  // namespace
}  // namespace sluice::config
