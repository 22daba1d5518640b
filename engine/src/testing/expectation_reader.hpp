#pragma once
// The parts of a test file that say what must come out: expected events (exact bytes, JSON, or
// conditions on fields and metadata) and expected rejections and failures with their reasons.

#include <optional>

#include <yaml-cpp/yaml.h>

#include "testing/file_reader.hpp"
#include "testing/test_file.hpp"

namespace sluice::pipeline_test {

ExpectedOutput read_output(FileReader& reader, const YAML::Node& node);

// One item of `rejected:` or `failed:` (key, for messages): {input: N, reason: TEXT,
// reason_matches: REGEX}. nullopt when it is wrong (the problem is recorded).
std::optional<ExpectedRejection> read_removal(FileReader& reader, const YAML::Node& node, std::size_t inputs,
                                              const std::string& key);

}  // namespace sluice::pipeline_test
