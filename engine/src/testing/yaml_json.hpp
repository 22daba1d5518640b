#pragma once
// A YAML value as the JSON value its writer means, so that a test can write an expected event as
// YAML (`{page: home, clickNumber: 1}`). Plain scalars are typed as YAML 1.2's core schema does
// (null, true/false, integers, floats); quoted scalars and `!!str` are strings.

#include <string>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

namespace sluice::pipeline_test {

// Keys keep the order they are written in (an input event's payload is the text its writer sees).
// Throws YAML::RepresentationException (with the node's mark) for what JSON cannot hold: .inf,
// .nan, a number a double cannot hold (1e999, 1e-400), text that is not UTF-8, or nesting deeper
// than 64 levels.
nlohmann::ordered_json yaml_to_json(const YAML::Node& node);

}  // namespace sluice::pipeline_test
