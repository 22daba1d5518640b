// The `redact` transform on its own, as a plugin author tests a component: made from its option
// table like the engine makes it, given a batch, its events read back.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "redact.hpp"

namespace sluice_example::redact {
namespace {

using namespace sluice;

// The options the engine would give: every default of the table, then the test's values.
Options options_of(std::map<std::string, OptionValue> values) {
  Options out;
  const OptionTable table = redact_options();
  for (const auto& spec : table.specs()) {
    std::string expected;
    if (spec.default_text) {
      if (auto v = parse_scalar_option(spec.type, *spec.default_text, expected)) out.set(spec.name, std::move(*v));
    }
  }
  for (auto& [name, value] : values) out.set(name, std::move(value));
  return out;
}

Batch batch_of(const std::vector<std::string>& payloads) {
  std::vector<Event> events;
  for (const auto& p : payloads) events.emplace_back(p);
  return Batch(std::move(events));
}

class RedactTest : public ::testing::Test {
 protected:
  Batch run(std::map<std::string, OptionValue> options, const std::vector<std::string>& payloads) {
    Redact redact(options_of(std::move(options)), context_);
    Batch batch = batch_of(payloads);
    redact.process(batch);
    return batch;
  }
  Context context_;
};

TEST_F(RedactTest, MasksTopLevelAndNestedFields) {
  auto batch = run({{"fields", StringList{"email", "user.phone"}}},
                   {R"({"email":"a@b.c","user":{"phone":"555","name":"Ann"},"page":"x"})"});
  EXPECT_EQ(batch[0].json(),
            nlohmann::json::parse(R"({"email":"***","user":{"phone":"***","name":"Ann"},"page":"x"})"));
  EXPECT_TRUE(batch.removals().empty());
}

TEST_F(RedactTest, RemovesFieldsWhenAskedAndUsesTheGivenMask) {
  auto removed = run({{"fields", StringList{"email", "card.number"}}, {"action", std::string("remove")}},
                     {R"({"email":"a@b.c","card":{"number":"4111","exp":"12/30"},"n":1})"});
  EXPECT_EQ(removed[0].json(), nlohmann::json::parse(R"({"card":{"exp":"12/30"},"n":1})"));
  auto masked = run({{"fields", StringList{"email"}}, {"mask", std::string("REDACTED")}}, {R"({"email":{"deep":1}})"});
  EXPECT_EQ(masked[0].json(), nlohmann::json::parse(R"({"email":"REDACTED"})"));
}

TEST_F(RedactTest, AFieldInsideAnotherListedFieldIsNoProblem) {
  auto removed = run({{"fields", StringList{"user", "user.email"}}, {"action", std::string("remove")}},
                     {R"({"user":{"email":"a@b.c"},"n":1})"});
  EXPECT_EQ(removed[0].json(), nlohmann::json::parse(R"({"n":1})"));
  auto masked = run({{"fields", StringList{"user", "user.email"}}}, {R"({"user":{"email":"a@b.c"}})"});
  EXPECT_EQ(masked[0].json(), nlohmann::json::parse(R"({"user":"***"})"));
}

TEST_F(RedactTest, LeavesAnEventWithoutTheFieldsByteForByte) {
  const std::string payload = R"({ "page" : "x",  "user": [ {"email": "in an array"} ] })";
  auto batch = run({{"fields", StringList{"email", "user.email", "page.deeper"}}}, {payload});
  EXPECT_EQ(batch[0].payload(), payload) << "nothing to redact: the payload is not re-serialised";
}

TEST_F(RedactTest, RejectsAPayloadThatIsNotJson) {
  auto batch = run({{"fields", StringList{"email"}}}, {R"({"email":"a@b.c"})", "email=a@b.c", R"({"n":3})"});
  const auto& removals = batch.removals();
  ASSERT_EQ(removals.size(), 1u);
  EXPECT_EQ(removals[0].index, 1u);
  EXPECT_TRUE(removals[0].rejected);
  EXPECT_NE(removals[0].reason.find("redact: the payload is not JSON"), std::string::npos) << removals[0].reason;
  EXPECT_EQ(batch[0].json()["email"], "***");
}

class Checks : public ValidationContext {
 public:
  void error(const std::string& option, const std::string& message) override {
    errors.push_back(option + ": " + message);
  }
  bool claim(const std::string&, const std::string&, const std::string&) override { return true; }
  std::vector<std::string> errors;
};

TEST_F(RedactTest, TheCheckStepRefusesEmptyStepsAndAnEmptyList) {
  Checks checks;
  Redact::validate(options_of({{"fields", StringList{"user..email", "ok.path", ".x"}}}), checks);
  Redact::validate(options_of({{"fields", StringList{}}}), checks);
  ASSERT_EQ(checks.errors.size(), 3u);
  EXPECT_EQ(checks.errors[0],
            "fields: 'user..email' has an empty step; write names joined by single dots (user.email)");
  EXPECT_EQ(checks.errors[1], "fields: '.x' has an empty step; write names joined by single dots (user.email)");
  EXPECT_EQ(checks.errors[2], "fields: lists no field: name at least one");
}

}  // namespace
}  // namespace sluice_example::redact
