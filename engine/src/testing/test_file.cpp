#include "testing/test_file.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "config/suggest.hpp"
#include "testing/yaml_json.hpp"

namespace sluice::pipeline_test {
namespace {

// An NDJSON input file is read whole; a test needs a few events, not a day of traffic.
constexpr std::uintmax_t kMaxInputFileBytes = 16 * 1024 * 1024;
constexpr std::int64_t kLastReceivedAtMs = 253402300799999;

const std::vector<std::string> kTopKeys = {"pipeline_file", "tests"};
const std::vector<std::string> kTestKeys = {"name",   "pipeline", "transforms", "input",
                                            "input_file", "output", "rejected", "dropped"};
const std::vector<std::string> kInputKeys = {"payload", "json", "metadata", "received_at"};
const std::vector<std::string> kOutputKeys = {"payload", "json", "fields", "metadata"};
const std::vector<std::string> kConditionKeys = {"exists", "equals", "matches"};
const std::vector<std::string> kRejectionKeys = {"input", "reason", "reason_matches"};

class Reader {
 public:
  explicit Reader(std::string file) { result_.file = std::move(file); }

  TestFile read(const YAML::Node& root) {
    if (!root.IsMap()) {
      error(root, "expected a mapping with 'pipeline_file' and 'tests' (a sluice test file), got " +
                      std::string(root.IsNull() ? "an empty document" : "something else"));
      finish();
    }
    check_keys(root, kTopKeys, "the test file");
    if (const auto file = required_string(root, root, "pipeline_file", "the pipeline file to test, e.g. ../pipeline.yaml")) {
      result_.pipeline_file = relative_to_me(*file);
      result_.pipeline_file_at = at(root["pipeline_file"]);
    }
    const YAML::Node tests = root["tests"];
    if (!tests) {
      error(root, "missing 'tests': a list of tests, each with a name, a pipeline and its input");
    } else if (!tests.IsSequence() || tests.size() == 0) {
      error(tests, "'tests' must be a list with at least one test");
    } else {
      std::set<std::string> names;
      for (const auto& test : tests) {
        TestCase t = read_test(test);
        if (!t.name.empty() && !names.insert(t.name).second) error(test["name"], "two tests are named '" + t.name + "'");
        result_.tests.push_back(std::move(t));
      }
    }
    finish();
    return std::move(result_);
  }

  [[noreturn]] void fail_with_parse_error(const YAML::Exception& e) {
    diagnostics_.push_back({{result_.file, std::max(e.mark.line, 0) + 1, std::max(e.mark.column, 0) + 1}, "",
                            "invalid YAML: " + e.msg});
    throw config::ConfigErrors(std::move(diagnostics_));
  }

 private:
  SourceLocation at(const YAML::Node& node) const {
    const auto mark = node.Mark();
    return {result_.file, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
  }

  void error(const YAML::Node& node, std::string message) { error_at(at(node), std::move(message)); }
  void error_at(SourceLocation where, std::string message) {
    diagnostics_.push_back({std::move(where), scope_, std::move(message)});
  }

  // In the order of the file, as the pipeline loader reports.
  void finish() {
    if (diagnostics_.empty()) return;
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const auto& a, const auto& b) {
      return std::tie(a.at.file, a.at.line, a.at.column) < std::tie(b.at.file, b.at.line, b.at.column);
    });
    throw config::ConfigErrors(std::move(diagnostics_));
  }

  std::string relative_to_me(const std::string& path) const {
    const std::filesystem::path p(path);
    if (p.is_absolute()) return path;
    return (std::filesystem::path(result_.file).parent_path() / p).lexically_normal().string();
  }

  void check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& what) {
    for (const auto& kv : map) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        error(kv.first, "unknown key '" + key + "' in " + what + config::did_you_mean(key, known) +
                            "; expected " + config::join_names(known));
      }
    }
  }

  std::optional<std::string> string_value(const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) {
      error(node, "'" + key + "' must be a single value (a string)");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<std::string> required_string(const YAML::Node& map, const YAML::Node& owner, const std::string& key,
                                             const std::string& meaning) {
    const YAML::Node node = map[key];
    if (!node) {
      error(owner, "missing '" + key + "': " + meaning);
      return std::nullopt;
    }
    auto value = string_value(node, key);
    if (value && value->empty()) {
      error(node, "'" + key + "' is empty: " + meaning);
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      std::int64_t v = 0;
      if (auto r = std::from_chars(s.data(), s.data() + s.size(), v); r.ec == std::errc() && r.ptr == s.data() + s.size()) {
        return v;
      }
    }
    error(node, what + " must be a whole number");
    return std::nullopt;
  }

  // For comparing: key order does not matter (nlohmann::json keeps keys sorted).
  std::optional<nlohmann::json> json_of(const YAML::Node& node) {
    auto ordered = ordered_json_of(node);
    if (!ordered) return std::nullopt;
    return nlohmann::json::parse(ordered->dump());
  }

  std::optional<nlohmann::ordered_json> ordered_json_of(const YAML::Node& node) {
    try {
      return yaml_to_json(node);
    } catch (const YAML::Exception& e) {
      error_at({result_.file, e.mark.line + 1, e.mark.column + 1}, e.msg);
      return std::nullopt;
    }
  }

  std::shared_ptr<std::regex> regex(const YAML::Node& node, const std::string& key) {
    const auto text = string_value(node, key);
    if (!text) return nullptr;
    try {
      return std::make_shared<std::regex>(*text, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      error(node, "'" + key + "' is not a regular expression (ECMAScript syntax): " + e.what());
      return nullptr;
    }
  }

  TestCase read_test(const YAML::Node& node) {
    TestCase t;
    t.at = at(node);
    scope_.clear();
    if (!node.IsMap()) {
      error(node, "a test must be a mapping with 'name', 'pipeline' and 'input'");
      return t;
    }
    if (auto name = required_string(node, node, "name", "what the test shows, printed with its result")) t.name = *name;
    scope_ = t.name.empty() ? "" : "test '" + t.name + "'";
    check_keys(node, kTestKeys, "a test");
    if (auto pipeline = required_string(node, node, "pipeline", "the name of the pipeline whose transforms run")) {
      t.pipeline = *pipeline;
      t.pipeline_at = at(node["pipeline"]);
    }
    if (const YAML::Node transforms = node["transforms"]) t.transforms = read_transforms(transforms);

    const YAML::Node input = node["input"];
    const YAML::Node input_file = node["input_file"];
    if (input && input_file) {
      error(input_file, "give either 'input' or 'input_file', not both");
    } else if (input) {
      if (!input.IsSequence() || input.size() == 0) {
        error(input, "'input' must be a list of events: a payload string, or {payload|json, metadata, received_at}");
      } else {
        for (const auto& item : input) t.inputs.push_back(read_input(item));
      }
    } else if (input_file) {
      if (const auto path = string_value(input_file, "input_file")) read_input_file(input_file, *path, t.inputs);
    } else {
      error(node, "missing 'input' (a list of events) or 'input_file' (NDJSON: one payload a line)");
    }

    if (const YAML::Node output = node["output"]) {
      if (!output.IsSequence()) {
        error(output, "'output' must be a list of expected events; [] when none must come out");
      } else {
        for (const auto& item : output) t.outputs.push_back(read_output(item));
      }
    }
    std::set<std::size_t> accounted;
    if (const YAML::Node rejected = node["rejected"]) {
      if (!rejected.IsSequence()) {
        error(rejected, "'rejected' must be a list of {input: N, reason: TEXT}");
      } else {
        for (const auto& item : rejected) {
          auto r = read_rejection(item, t.inputs.size());
          if (r && !accounted.insert(r->input).second) {
            error(item, "input " + std::to_string(r->input) + " is already expected to be rejected");
          } else if (r) {
            t.rejections.push_back(std::move(*r));
          }
        }
      }
    }
    if (const YAML::Node dropped = node["dropped"]) {
      if (!dropped.IsSequence()) {
        error(dropped, "'dropped' must be a list of input positions (from 0)");
      } else {
        for (const auto& item : dropped) {
          auto n = input_position(item, t.inputs.size());
          if (n && !accounted.insert(*n).second) {
            error(item, "input " + std::to_string(*n) + " is already expected to be rejected or dropped");
          } else if (n) {
            t.drops.push_back({at(item), *n});
          }
        }
      }
    }
    return t;
  }

  std::vector<TransformRef> read_transforms(const YAML::Node& node) {
    std::vector<TransformRef> refs;
    if (!node.IsSequence()) {
      error(node, "'transforms' must be a list of the pipeline's transforms to run, by type or position (from 0)");
      return refs;
    }
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        error(item, "a transform is named by its type (json_validate) or its position (0)");
        continue;
      }
      TransformRef ref;
      ref.at = at(item);
      std::size_t n = 0;
      const std::string& s = item.Scalar();
      if (auto r = std::from_chars(s.data(), s.data() + s.size(), n); r.ec == std::errc() && r.ptr == s.data() + s.size()) {
        ref.position = n;
      } else {
        ref.type = s;
      }
      refs.push_back(std::move(ref));
    }
    return refs;
  }

  InputEvent read_input(const YAML::Node& node) {
    InputEvent in;
    in.at = at(node);
    if (node.IsScalar()) {
      in.payload = node.Scalar();
      return in;
    }
    if (!node.IsMap()) {
      error(node, "an input event is a payload string, or a mapping with 'payload' or 'json'");
      return in;
    }
    check_keys(node, kInputKeys, "an input event");
    const YAML::Node payload = node["payload"];
    const YAML::Node json = node["json"];
    if (payload && json) {
      error(json, "give either 'payload' (the bytes) or 'json' (a value written as YAML), not both");
    } else if (payload) {
      if (auto text = string_value(payload, "payload")) in.payload = *text;
    } else if (json) {
      if (auto value = ordered_json_of(json)) in.payload = value->dump();
    } else {
      error(node, "missing 'payload' (the bytes) or 'json' (a value written as YAML)");
    }
    if (const YAML::Node metadata = node["metadata"]) {
      if (!metadata.IsMap()) {
        error(metadata, "'metadata' must map keys to strings, e.g. {id: abc, http.user_agent: curl}");
      } else {
        for (const auto& kv : metadata) {
          if (!kv.second.IsScalar()) {
            error(kv.second, "metadata values are strings");
            continue;
          }
          in.metadata.emplace_back(kv.first.Scalar(), kv.second.Scalar());
        }
      }
    }
    if (const YAML::Node received = node["received_at"]) {
      in.received_at_ms = integer(received, "'received_at' (Unix milliseconds)");
      // Up to the year 9999: a time point further out would overflow the clock's nanoseconds.
      if (in.received_at_ms && (*in.received_at_ms < 0 || *in.received_at_ms > kLastReceivedAtMs)) {
        error(received, "'received_at' must be Unix milliseconds from 0 to 253402300799999 (the end of 9999)");
        in.received_at_ms.reset();
      }
    }
    return in;
  }

  void read_input_file(const YAML::Node& node, const std::string& written, std::vector<InputEvent>& inputs) {
    const std::string path = relative_to_me(written);
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
      error(node, "cannot read input file " + path + ": " + ec.message());
      return;
    }
    if (size > kMaxInputFileBytes) {
      error(node, "input file " + path + " is larger than 16 MiB; a test needs a few events");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      error(node, "cannot read input file " + path + ": " + std::strerror(errno));
      return;
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;  // NDJSON writers often end with a blank line
      InputEvent event;
      event.at = {path, number, 1};
      event.payload = std::move(line);
      inputs.push_back(std::move(event));
    }
    if (inputs.empty()) error(node, "input file " + path + " holds no events");
  }

  ExpectedOutput read_output(const YAML::Node& node) {
    ExpectedOutput out;
    out.at = at(node);
    if (!node.IsMap()) {
      error(node, "an expected event is a mapping with 'json', 'payload', 'fields' or 'metadata'");
      return out;
    }
    check_keys(node, kOutputKeys, "an expected event");
    if (const YAML::Node payload = node["payload"]) out.payload = string_value(payload, "payload");
    if (const YAML::Node json = node["json"]) out.json = json_of(json);
    if (const YAML::Node fields = node["fields"]) out.fields = read_conditions(fields, "fields");
    if (const YAML::Node metadata = node["metadata"]) out.metadata = read_conditions(metadata, "metadata");
    if (!node["payload"] && !node["json"] && !node["fields"] && !node["metadata"]) {
      error(node, "an expected event needs 'json' (equal as JSON), 'payload' (the exact bytes), 'fields' or "
                  "'metadata' (conditions)");
    }
    return out;
  }

  std::vector<FieldCondition> read_conditions(const YAML::Node& node, const std::string& key) {
    std::vector<FieldCondition> conditions;
    if (!node.IsMap()) {
      error(node, "'" + key + "' must map names to conditions, e.g. {page: {equals: home}, id: {exists: true}}");
      return conditions;
    }
    for (const auto& kv : node) {
      FieldCondition fc;
      fc.name = kv.first.Scalar();
      if (key == "fields" && !fc.name.empty() && fc.name[0] == '/') {
        try {
          (void)nlohmann::json::json_pointer(fc.name);
        } catch (const nlohmann::json::exception& e) {
          error(kv.first, "'" + fc.name + "' is not a JSON Pointer: " + e.what());
        }
      }
      const YAML::Node c = kv.second;
      fc.condition.at = at(c);
      if (!c.IsMap() || c.size() == 0) {
        error(c, "a condition is a mapping with 'exists: true|false', 'equals: VALUE' or 'matches: REGEX'");
        continue;
      }
      check_keys(c, kConditionKeys, "a condition");
      if (const YAML::Node exists = c["exists"]) {
        if (exists.IsScalar() && (exists.Scalar() == "true" || exists.Scalar() == "false")) {
          fc.condition.exists = exists.Scalar() == "true";
        } else {
          error(exists, "'exists' must be true or false");
        }
      }
      if (const YAML::Node equals = c["equals"]) fc.condition.equals = json_of(equals);
      if (const YAML::Node matches = c["matches"]) {
        fc.condition.pattern = regex(matches, "matches");
        if (fc.condition.pattern) fc.condition.matches = matches.Scalar();
      }
      if (fc.condition.exists == false && (c["equals"] || c["matches"])) {
        error(c, "'exists: false' with 'equals' or 'matches' can never hold");
      }
      conditions.push_back(std::move(fc));
    }
    return conditions;
  }

  std::optional<std::size_t> input_position(const YAML::Node& node, std::size_t inputs) {
    const auto n = integer(node, "an input's position");
    if (!n) return std::nullopt;
    if (*n < 0 || static_cast<std::size_t>(*n) >= inputs) {
      error(node, "input " + std::to_string(*n) + " does not exist: the test has " + std::to_string(inputs) +
                      (inputs == 1 ? " input event" : " input events") + ", counted from 0");
      return std::nullopt;
    }
    return static_cast<std::size_t>(*n);
  }

  std::optional<ExpectedRejection> read_rejection(const YAML::Node& node, std::size_t inputs) {
    if (!node.IsMap()) {
      error(node, "an expected rejection is a mapping: {input: N, reason: TEXT} or {input: N, reason_matches: REGEX}");
      return std::nullopt;
    }
    check_keys(node, kRejectionKeys, "an expected rejection");
    ExpectedRejection r;
    r.at = at(node);
    const YAML::Node input = node["input"];
    if (!input) {
      error(node, "missing 'input': the position (from 0) of the input event that must be rejected");
      return std::nullopt;
    }
    const auto n = input_position(input, inputs);
    if (const YAML::Node reason = node["reason"]) r.reason = string_value(reason, "reason");
    if (const YAML::Node matches = node["reason_matches"]) {
      r.pattern = regex(matches, "reason_matches");
      if (r.pattern) r.reason_matches = matches.Scalar();
    }
    if (!n) return std::nullopt;
    r.input = *n;
    return r;
  }

  TestFile result_;
  std::string scope_;  // "test 'NAME'" while reading one
  std::vector<config::Diagnostic> diagnostics_;
};

}  // namespace

TestFile load_test_string(const std::string& yaml, const std::string& file) {
  Reader reader(file);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    reader.fail_with_parse_error(e);
  }
  return reader.read(root);
}

TestFile load_test_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw config::ConfigErrors({config::Diagnostic{{path, 0, 0}, "", "cannot read the test file: " + std::string(std::strerror(errno))}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_test_string(text.str(), path);
}

}  // namespace sluice::pipeline_test
