#include "testing/test_file.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "testing/expectation_reader.hpp"
#include "testing/file_reader.hpp"

namespace sluice::pipeline_test {
namespace {

// An NDJSON input file is read whole; a test needs a few events, not a day of traffic.
constexpr std::uintmax_t kMaxInputFileBytes = 16 * 1024 * 1024;

const std::vector<std::string> kTopKeys = {"pipeline_file", "tests"};
const std::vector<std::string> kTestKeys = {"name",  "pipeline", "transforms", "input",  "input_file",
                                            "batch", "output",   "rejected",   "failed", "dropped"};
const std::vector<std::string> kInputKeys = {"payload", "json", "metadata", "received_at"};

class Reader {
 public:
  explicit Reader(std::string file) : r_(file) { result_.file = std::move(file); }

  TestFile read(const YAML::Node& root) {
    if (!root.IsMap()) {
      r_.error(root, "expected a mapping with 'pipeline_file' and 'tests' (a sluice test file), got " +
                         std::string(root.IsNull() ? "an empty document" : "something else"));
      r_.finish();
    }
    r_.check_keys(root, kTopKeys, "the test file");
    if (const auto file =
            r_.required_string(root, root, "pipeline_file", "the pipeline file to test, e.g. ../pipeline.yaml")) {
      result_.pipeline_file = r_.relative_to_me(*file);
      result_.pipeline_file_at = r_.at(root["pipeline_file"]);
    }
    const YAML::Node tests = root["tests"];
    if (!tests) {
      r_.error(root, "missing 'tests': a list of tests, each with a name, a pipeline and its input");
    } else if (!tests.IsSequence() || tests.size() == 0) {
      r_.error(tests, "'tests' must be a list with at least one test");
    } else {
      std::set<std::string> names;
      for (const auto& test : tests) {
        TestCase t = read_test(test);
        if (!t.name.empty() && !names.insert(t.name).second) {
          r_.error(test["name"], "two tests are named '" + t.name + "'");
        }
        result_.tests.push_back(std::move(t));
      }
    }
    r_.finish();
    return std::move(result_);
  }

  [[noreturn]] void fail_with_parse_error(const YAML::Exception& e) {
    r_.error_at({result_.file, std::max(e.mark.line, 0) + 1, std::max(e.mark.column, 0) + 1}, "invalid YAML: " + e.msg);
    r_.finish();
    throw std::logic_error("unreachable: finish() throws with a problem recorded");
  }

 private:
  TestCase read_test(const YAML::Node& node) {
    TestCase t;
    t.at = r_.at(node);
    r_.set_scope("");
    if (!node.IsMap()) {
      r_.error(node, "a test must be a mapping with 'name', 'pipeline' and 'input'");
      return t;
    }
    if (auto name = r_.required_string(node, node, "name", "what the test shows, printed with its result")) {
      t.name = *name;
    }
    r_.set_scope(t.name.empty() ? "" : "test '" + t.name + "'");
    r_.check_keys(node, kTestKeys, "a test");
    if (auto pipeline = r_.required_string(node, node, "pipeline", "the name of the pipeline whose transforms run")) {
      t.pipeline = *pipeline;
      t.pipeline_at = r_.at(node["pipeline"]);
    }
    if (const YAML::Node transforms = node["transforms"]) t.transforms = read_transforms(transforms);
    read_inputs(node, t);
    if (const YAML::Node batch = node["batch"]) {
      if (batch.IsScalar() && (batch.Scalar() == "each" || batch.Scalar() == "all")) {
        t.one_batch = batch.Scalar() == "all";
      } else {
        r_.error(batch,
                 "'batch' is 'each' (each input its own batch, the default) or 'all' (the inputs as one "
                 "batch, as one request of several events)");
      }
    }

    if (const YAML::Node output = node["output"]) {
      if (!output.IsSequence()) {
        r_.error(output, "'output' must be a list of expected events; [] when none must come out");
      } else {
        for (const auto& item : output) t.outputs.push_back(read_output(r_, item));
      }
    }
    // Each input has one fate: an input listed twice is a mistake of the test.
    std::set<std::size_t> accounted;
    auto removals = [&](const char* key, std::vector<ExpectedRejection>& into) {
      const YAML::Node list = node[key];
      if (!list) return;
      if (!list.IsSequence()) {
        r_.error(list, "'" + std::string(key) + "' must be a list of {input: N, reason: TEXT}");
        return;
      }
      for (const auto& item : list) {
        auto r = read_removal(r_, item, t.inputs.size(), key);
        if (r && !accounted.insert(r->input).second) {
          r_.error(item, "input " + std::to_string(r->input) + " is already expected to be rejected or failed");
        } else if (r) {
          into.push_back(std::move(*r));
        }
      }
    };
    removals("rejected", t.rejections);
    removals("failed", t.failures);
    if (const YAML::Node dropped = node["dropped"]) {
      if (!dropped.IsSequence()) {
        r_.error(dropped, "'dropped' must be a list of input positions (from 0)");
      } else {
        for (const auto& item : dropped) {
          auto n = r_.input_position(item, t.inputs.size());
          if (n && !accounted.insert(*n).second) {
            r_.error(item, "input " + std::to_string(*n) + " is already expected to be rejected, failed or dropped");
          } else if (n) {
            t.drops.push_back({r_.at(item), *n});
          }
        }
      }
    }
    return t;
  }

  void read_inputs(const YAML::Node& node, TestCase& t) {
    const YAML::Node input = node["input"];
    const YAML::Node input_file = node["input_file"];
    if (input && input_file) {
      r_.error(input_file, "give either 'input' or 'input_file', not both");
    } else if (input) {
      if (!input.IsSequence() || input.size() == 0) {
        r_.error(input,
                 "'input' must be a list of events: a payload string, or {payload|json, metadata, "
                 "received_at}");
      } else {
        for (const auto& item : input) t.inputs.push_back(read_input(item));
      }
    } else if (input_file) {
      if (const auto path = r_.string_value(input_file, "input_file")) read_input_file(input_file, *path, t.inputs);
    } else {
      r_.error(node, "missing 'input' (a list of events) or 'input_file' (NDJSON: one payload a line)");
    }
  }

  std::vector<TransformRef> read_transforms(const YAML::Node& node) {
    std::vector<TransformRef> refs;
    if (!node.IsSequence()) {
      r_.error(node, "'transforms' must be a list of the pipeline's transforms to run, by type or position (from 0)");
      return refs;
    }
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        r_.error(item, "a transform is named by its type (json_validate) or its position (0)");
        continue;
      }
      TransformRef ref;
      ref.at = r_.at(item);
      std::size_t n = 0;
      const std::string& s = item.Scalar();
      const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
      if (r.ec == std::errc() && r.ptr == s.data() + s.size()) {
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
    in.at = r_.at(node);
    if (node.IsScalar()) {
      in.payload = node.Scalar();
      return in;
    }
    if (!node.IsMap()) {
      r_.error(node, "an input event is a payload string, or a mapping with 'payload' or 'json'");
      return in;
    }
    r_.check_keys(node, kInputKeys, "an input event");
    const YAML::Node payload = node["payload"];
    const YAML::Node json = node["json"];
    if (payload && json) {
      r_.error(json, "give either 'payload' (the bytes) or 'json' (a value written as YAML), not both");
    } else if (payload) {
      if (auto text = r_.string_value(payload, "payload")) in.payload = *text;
    } else if (json) {
      if (auto value = r_.ordered_json_of(json)) in.payload = value->dump();
    } else {
      r_.error(node, "missing 'payload' (the bytes) or 'json' (a value written as YAML)");
    }
    if (const YAML::Node metadata = node["metadata"]) {
      if (!metadata.IsMap()) {
        r_.error(metadata, "'metadata' must map keys to strings, e.g. {id: abc, http.user_agent: curl}");
      } else {
        for (const auto& kv : metadata) {
          const auto key = r_.key_name(kv.first);
          if (!kv.second.IsScalar()) {
            r_.error(kv.second, "metadata values are strings");
            continue;
          }
          if (key) in.metadata.emplace_back(*key, kv.second.Scalar());
        }
      }
    }
    if (const YAML::Node received = node["received_at"]) {
      in.received_at_ms = r_.integer(received, "'received_at' (Unix milliseconds)");
      if (in.received_at_ms && (*in.received_at_ms < 0 || *in.received_at_ms > kLastReceivedAtMs)) {
        r_.error(received, "'received_at' must be Unix milliseconds from 0 to " + std::to_string(kLastReceivedAtMs) +
                               " (the last the clock holds, in 2262)");
        in.received_at_ms.reset();
      }
    }
    return in;
  }

  void read_input_file(const YAML::Node& node, const std::string& written, std::vector<InputEvent>& inputs) {
    const std::string path = r_.relative_to_me(written);
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
      r_.error(node, "cannot read input file " + path + ": " + ec.message());
      return;
    }
    if (size > kMaxInputFileBytes) {
      r_.error(node, "input file " + path + " is larger than 16 MiB; a test needs a few events");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      r_.error(node, "cannot read input file " + path + ": " + std::strerror(errno));
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
    if (inputs.empty()) r_.error(node, "input file " + path + " holds no events");
  }

  FileReader r_;
  TestFile result_;
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
    throw config::ConfigErrors(
        {config::Diagnostic{{path, 0, 0}, "", "cannot read the test file: " + std::string(std::strerror(errno))}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_test_string(text.str(), path);
}

}  // namespace sluice::pipeline_test
