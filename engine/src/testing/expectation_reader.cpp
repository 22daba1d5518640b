#include "testing/expectation_reader.hpp"

namespace sluice::pipeline_test {
namespace {

const std::vector<std::string> kOutputKeys = {"payload", "json", "fields", "metadata"};
const std::vector<std::string> kConditionKeys = {"exists", "equals", "matches"};
const std::vector<std::string> kRemovalKeys = {"input", "reason", "reason_matches"};

// `equals` of a metadata value: metadata are strings, so the text as written (`equals: 41`
// means "41", as `metadata: {n: 41}` of an input does).
std::optional<nlohmann::json> metadata_equals(FileReader& reader, const YAML::Node& node) {
  if (!node.IsScalar()) {
    reader.error(node, "metadata values are strings: 'equals' must be a single value; write '' for the empty one");
    return std::nullopt;
  }
  return nlohmann::json(node.Scalar());
}

std::vector<FieldCondition> read_conditions(FileReader& reader, const YAML::Node& node, const std::string& key) {
  std::vector<FieldCondition> conditions;
  if (!node.IsMap()) {
    reader.error(node, "'" + key + "' must map names to conditions, e.g. {page: {equals: home}, id: {exists: true}}");
    return conditions;
  }
  for (const auto& kv : node) {
    FieldCondition fc;
    const auto name = reader.key_name(kv.first);
    if (!name) continue;
    fc.name = *name;
    if (key == "fields" && !fc.name.empty() && fc.name[0] == '/') {
      try {
        (void)nlohmann::json::json_pointer(fc.name);
      } catch (const nlohmann::json::exception& e) {
        reader.error(kv.first, "'" + fc.name + "' is not a JSON Pointer: " + e.what());
      }
    }
    const YAML::Node c = kv.second;
    fc.condition.at = reader.at(c);
    if (!c.IsMap() || c.size() == 0) {
      reader.error(c, "a condition is a mapping with 'exists: true|false', 'equals: VALUE' or 'matches: REGEX'");
      continue;
    }
    reader.check_keys(c, kConditionKeys, "a condition");
    if (const YAML::Node exists = c["exists"]) {
      if (exists.IsScalar() && (exists.Scalar() == "true" || exists.Scalar() == "false")) {
        fc.condition.exists = exists.Scalar() == "true";
      } else {
        reader.error(exists, "'exists' must be true or false");
      }
    }
    if (const YAML::Node equals = c["equals"]) {
      fc.condition.equals = key == "metadata" ? metadata_equals(reader, equals) : reader.json_of(equals);
    }
    if (const YAML::Node matches = c["matches"]) {
      fc.condition.pattern = reader.regex(matches, "matches");
      if (fc.condition.pattern) fc.condition.matches = matches.Scalar();
    }
    if (fc.condition.exists == false && (c["equals"] || c["matches"])) {
      reader.error(c, "'exists: false' with 'equals' or 'matches' can never hold");
    }
    conditions.push_back(std::move(fc));
  }
  return conditions;
}

}  // namespace

ExpectedOutput read_output(FileReader& reader, const YAML::Node& node) {
  ExpectedOutput out;
  out.at = reader.at(node);
  if (!node.IsMap()) {
    reader.error(node, "an expected event is a mapping with 'json', 'payload', 'fields' or 'metadata'");
    return out;
  }
  reader.check_keys(node, kOutputKeys, "an expected event");
  if (const YAML::Node payload = node["payload"]) out.payload = reader.string_value(payload, "payload");
  if (const YAML::Node json = node["json"]) out.json = reader.json_of(json);
  if (const YAML::Node fields = node["fields"]) out.fields = read_conditions(reader, fields, "fields");
  if (const YAML::Node metadata = node["metadata"]) out.metadata = read_conditions(reader, metadata, "metadata");
  if (!node["payload"] && !node["json"] && !node["fields"] && !node["metadata"]) {
    reader.error(node,
                 "an expected event needs 'json' (equal as JSON), 'payload' (the exact bytes), 'fields' or "
                 "'metadata' (conditions)");
  }
  return out;
}

std::optional<ExpectedRejection> read_removal(FileReader& reader, const YAML::Node& node, std::size_t inputs,
                                              const std::string& key) {
  const std::string what = key == "failed" ? "an expected failure" : "an expected rejection";
  if (!node.IsMap()) {
    reader.error(node, what + " is a mapping: {input: N, reason: TEXT} or {input: N, reason_matches: REGEX}");
    return std::nullopt;
  }
  reader.check_keys(node, kRemovalKeys, what);
  ExpectedRejection r;
  r.at = reader.at(node);
  const YAML::Node input = node["input"];
  if (!input) {
    reader.error(node, "missing 'input': the position (from 0) of the input event that must be " +
                           std::string(key == "failed" ? "failed" : "rejected"));
    return std::nullopt;
  }
  const auto n = reader.input_position(input, inputs);
  if (const YAML::Node reason = node["reason"]) r.reason = reader.string_value(reason, "reason");
  if (const YAML::Node matches = node["reason_matches"]) {
    r.pattern = reader.regex(matches, "reason_matches");
    if (r.pattern) r.reason_matches = matches.Scalar();
  }
  if (!n) return std::nullopt;
  r.input = *n;
  return r;
}

}  // namespace sluice::pipeline_test
