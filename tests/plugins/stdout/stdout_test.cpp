// `stdout` sink, through the real executable: one JSON document per line.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "subprocess.hpp"

namespace sluice::test {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Stdout, WritesEachEventAsOneJsonLine) {
  const auto file = write_file("stdout_lines.yaml", R"(pipelines:
  p:
    source: {type: generator, count: 300, batch_size: 7, payload: '{"n":{{seq}}}'}
    sinks: [{type: stdout}]
)");
  std::string out, err;
  ASSERT_EQ(run_to_end({SLUICE_TEST_BINARY, "run", file}, &out, &err), 0) << err;
  const auto all = lines(out);
  ASSERT_EQ(all.size(), 300u);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(nlohmann::json::parse(all[i])["n"], i + 1);
}

TEST(Stdout, WithMetadataWrapsThePayload) {
  const auto file = write_file("stdout_meta.yaml", R"(pipelines:
  p:
    source: {type: generator, count: 2, payload: 'not json {{seq}}'}
    sinks: [{type: stdout, with_metadata: true}]
)");
  std::string out, err;
  ASSERT_EQ(run_to_end({SLUICE_TEST_BINARY, "run", file}, &out, &err), 0) << err;
  const auto all = lines(out);
  ASSERT_EQ(all.size(), 2u);
  const auto first = nlohmann::json::parse(all[0]);
  EXPECT_EQ(first["payload"], "not json 1") << "a non-JSON payload becomes a JSON string";
  EXPECT_TRUE(first["metadata"].is_object());
  EXPECT_GT(first["received_at_ms"].get<std::int64_t>(), 0);
}

}  // namespace
}  // namespace sluice::test
