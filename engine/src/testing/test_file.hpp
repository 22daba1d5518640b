#pragma once
// A `sluice test` file, read and checked: which pipeline of which pipeline file it tests, the events
// it feeds in, and what must come out, be rejected or be dropped. Every mistake is located
// (file:line:column) and reported at once, like a pipeline file's (config/diagnostics.hpp).
//
//   pipeline_file: ../click-tracker.yaml      # relative to the test file
//   tests:
//     - name: a click is enriched
//       pipeline: ingest
//       transforms: [json_validate, enrich]   # optional: by type or position; default all
//       input:                                # or input_file: clicks.ndjson (one payload a line)
//         - '{"page":"home","clickNumber":1}'
//         - {json: {page: home}, metadata: {id: x}, received_at: 1764460800000}
//       output:
//         - json: {page: home, clickNumber: 1}
//         - fields: {id: {matches: '^[0-9a-f-]{36}$'}, receivedAt: {exists: true}}
//       rejected:                             # refused as bad input (Batch::reject)
//         - {input: 1, reason: "missing field 'clickNumber'"}
//       failed:                               # a transform threw: the engine nacks, no dead letter
//         - {input: 3, reason_matches: 'failed: .*'}
//       dropped: [2]
//       batch: each                           # each input its own batch (default), or all: one

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostics.hpp"
#include "sluice/event.hpp"

namespace sluice::pipeline_test {

using config::SourceLocation;

// The last `received_at` an event's clock can hold: it counts nanoseconds in 64 bits (to 2262).
inline constexpr std::int64_t kLastReceivedAtMs =
    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::duration::max()).count();

// One check of a JSON field or metadata value. A value that is absent passes only `exists: false`.
struct Condition {
  SourceLocation at;
  std::optional<bool> exists;
  std::optional<nlohmann::json> equals;
  std::optional<std::string> matches;   // the regex as written, for messages
  std::shared_ptr<std::regex> pattern;  // compiled once, when the file is read
};

struct FieldCondition {
  std::string name;  // as written: a top-level field, or a JSON Pointer starting with '/'
  Condition condition;
};

struct ExpectedOutput {
  SourceLocation at;
  std::optional<std::string> payload;  // the exact bytes
  std::optional<nlohmann::json> json;  // equal as JSON (key order does not matter)
  std::vector<FieldCondition> fields;
  std::vector<FieldCondition> metadata;
};

// An input that must be rejected (`rejected:`) or failed (`failed:`), with its reason.
struct ExpectedRejection {
  SourceLocation at;
  std::size_t input = 0;              // position in the test's inputs, from 0
  std::optional<std::string> reason;  // a substring of the reason
  std::optional<std::string> reason_matches;
  std::shared_ptr<std::regex> pattern;
};

struct ExpectedDrop {
  SourceLocation at;
  std::size_t input = 0;
};

struct InputEvent {
  SourceLocation at;
  std::string payload;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<std::int64_t> received_at_ms;  // now when absent, as a source would stamp it
};

// A transform named in `transforms:`, resolved against the pipeline once it is loaded.
struct TransformRef {
  SourceLocation at;
  std::optional<std::size_t> position;  // written as a number
  std::string type;                     // written as a name
};

struct TestCase {
  SourceLocation at;
  std::string name;
  std::string pipeline;
  SourceLocation pipeline_at;
  std::optional<std::vector<TransformRef>> transforms;  // nullopt: all of them
  std::vector<InputEvent> inputs;
  std::vector<ExpectedOutput> outputs;
  std::vector<ExpectedRejection> rejections;
  std::vector<ExpectedRejection> failures;  // inputs in a batch a transform threw on
  std::vector<ExpectedDrop> drops;
  bool one_batch = false;  // batch: all
};

struct TestFile {
  std::string file;
  std::string pipeline_file;  // resolved against the test file's folder
  SourceLocation pipeline_file_at;
  std::vector<TestCase> tests;
};

// Reads and checks a test file. Throws config::ConfigErrors with every problem found.
TestFile load_test_file(const std::string& path);
TestFile load_test_string(const std::string& yaml, const std::string& file);

}  // namespace sluice::pipeline_test
