// Fuzzes the reader of `sluice test` files (engine/src/testing: test_file, file_reader,
// expectation_reader, yaml_json): the whole input is a test file.
//
// Invariant: reading any bytes either
//   - gives a TestFile with a pipeline file and at least one test, each test with a name, a
//     pipeline and at least one input, and every expected rejection, failure and drop naming an
//     input that exists, or
//   - throws ConfigErrors with at least one diagnostic, each located (line >= 1, column >= 1) and
//     with a non-empty message;
// no other exception escapes, and the stack does not overflow (a long number or string is not
// classified by a recursive regex).

#include <cstdint>
#include <string>
#include <typeinfo>

#include "config_errors_check.hpp"
#include "fuzz_check.hpp"
#include "testing/test_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sluice;
  using sluice::fuzz::printable;
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    const pipeline_test::TestFile file = pipeline_test::load_test_string(yaml, "fuzz/test.yaml");
    FUZZ_CHECK(!file.pipeline_file.empty(), "a test file without a pipeline file was accepted: ", printable(yaml));
    FUZZ_CHECK(!file.tests.empty(), "a test file without tests was accepted: ", printable(yaml));
    for (const auto& t : file.tests) {
      FUZZ_CHECK(!t.name.empty() && !t.pipeline.empty(), "a test without a name or pipeline: ", printable(yaml));
      FUZZ_CHECK(!t.inputs.empty(), "a test without inputs was accepted: ", printable(yaml));
      for (const auto& r : t.rejections) FUZZ_CHECK(r.input < t.inputs.size(), "a rejection of no input");
      for (const auto& f : t.failures) FUZZ_CHECK(f.input < t.inputs.size(), "a failure of no input");
      for (const auto& d : t.drops) FUZZ_CHECK(d.input < t.inputs.size(), "a drop of no input");
    }
  } catch (const config::ConfigErrors& e) {
    sluice::fuzz::check_diagnostics(e, yaml);
  } catch (const std::exception& e) {
    sluice::fuzz::violated("only ConfigErrors", "reading threw ", typeid(e).name(), ": ", e.what(),
                           "; the file: ", printable(yaml));
  }
  return 0;
}
