#pragma once
// Compares what a test's events became with what the test expects, and says how they differ in
// words a reader can act on: which expected event, which field, what was expected, what came.

#include <string>
#include <vector>

#include "testing/test_file.hpp"
#include "testing/transform_chain.hpp"

namespace sluice::pipeline_test {

// One line per difference; empty when the result is what the test expects. Every event is
// accounted for: an output, rejection or drop the test does not expect is a difference too.
std::vector<std::string> compare(const TestCase& test, const ChainResult& got);

}  // namespace sluice::pipeline_test
