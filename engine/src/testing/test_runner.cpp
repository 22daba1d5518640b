#include "testing/test_runner.hpp"

#include <algorithm>
#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "config/config_loader.hpp"
#include "config/suggest.hpp"
#include "testing/expectations.hpp"
#include "testing/test_file.hpp"
#include "testing/transform_chain.hpp"

namespace sluice::pipeline_test {
namespace {

const config::PipelineConfig* find_pipeline(const config::Config& config, const std::string& name) {
  for (const auto& p : config.pipelines) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// The positions of the transforms a test runs, or the problems with its `transforms:` list.
std::vector<std::size_t> positions_of(const TestCase& test, const config::PipelineConfig& pipeline,
                                      std::vector<config::Diagnostic>& errors) {
  std::vector<std::size_t> positions;
  const std::size_t count = pipeline.transforms.size();
  if (!test.transforms) {
    for (std::size_t i = 0; i < count; ++i) positions.push_back(i);
    return positions;
  }
  std::vector<std::string> types;
  for (const auto& t : pipeline.transforms) types.push_back(t.type);
  const std::string where = "test '" + test.name + "'";
  const std::string listing = count == 0 ? "it has none" : "it has " + config::join_names(types) + " (from 0)";
  for (const auto& ref : *test.transforms) {
    std::optional<std::size_t> position = ref.position;
    if (position && *position >= count) {
      errors.push_back(
          {ref.at, where,
           "pipeline '" + pipeline.name + "' has no transform " + std::to_string(*position) + "; " + listing});
      continue;
    }
    if (!position) {
      const auto n = std::count(types.begin(), types.end(), ref.type);
      if (n == 0) {
        errors.push_back({ref.at, where,
                          "pipeline '" + pipeline.name + "' has no transform of type '" + ref.type + "'" +
                              config::did_you_mean(ref.type, types) + "; " + listing});
        continue;
      }
      if (n > 1) {
        errors.push_back({ref.at, where,
                          "pipeline '" + pipeline.name + "' has " + std::to_string(n) + " transforms of type '" +
                              ref.type + "'; name this one by its position"});
        continue;
      }
      position = static_cast<std::size_t>(std::find(types.begin(), types.end(), ref.type) - types.begin());
    }
    if (!positions.empty() && *position <= positions.back()) {
      errors.push_back({ref.at, where, "list the transforms in the pipeline's order, each once; " + listing});
      continue;
    }
    positions.push_back(*position);
  }
  return positions;
}

// A pipeline file kept beside its tests: `pipelines:` at the top, and neither of a test file's
// keys. Anything else in a folder of tests is taken as a test file, so a mistyped one is reported.
bool is_pipeline_file(const std::filesystem::path& file) {
  try {
    const YAML::Node root = YAML::LoadFile(file.string());
    return root.IsMap() && root["pipelines"] && !root["tests"] && !root["pipeline_file"];
  } catch (const YAML::Exception&) {
    return false;  // reported when it is read as a test file
  }
}

struct Planned {
  const TestCase* test;
  const config::PipelineConfig* pipeline;
  std::vector<std::size_t> positions;
};

// A file's tests, or why none of them can run (a bad file).
void run_file_tests(const std::string& path, const plugins::PluginRegistry& registry, std::ostream& out,
                    std::ostream& err, TestTally& tally) {
  TestFile file;
  config::Config pipelines;
  try {
    file = load_test_file(path);
  } catch (const config::ConfigErrors& errors) {
    config::print(errors, err);
    ++tally.bad_files;
    return;
  }
  try {
    pipelines = config::load_config_file(file.pipeline_file, registry);
  } catch (const config::ConfigErrors& errors) {
    config::print(errors, err);
    err << config::Diagnostic{file.pipeline_file_at, "",
                              "the pipeline file " + file.pipeline_file +
                                  " cannot be loaded (above); no test of this file ran"}
               .format()
        << "\n";
    ++tally.bad_files;
    return;
  }

  // Every name is checked before any test runs: a file with a mistake runs nothing.
  std::vector<config::Diagnostic> errors;
  std::vector<Planned> plan;
  std::vector<std::string> names;
  for (const auto& p : pipelines.pipelines) names.push_back(p.name);
  for (const auto& test : file.tests) {
    const config::PipelineConfig* pipeline = find_pipeline(pipelines, test.pipeline);
    if (!pipeline) {
      errors.push_back({test.pipeline_at, "test '" + test.name + "'",
                        "no pipeline '" + test.pipeline + "' in " + file.pipeline_file +
                            config::did_you_mean(test.pipeline, names) + "; it defines " + config::join_names(names)});
      continue;
    }
    plan.push_back({&test, pipeline, positions_of(test, *pipeline, errors)});
  }
  if (!errors.empty()) {
    config::print(config::ConfigErrors(std::move(errors)), err);
    ++tally.bad_files;
    return;
  }

  bool refused = false;
  for (const auto& [test, pipeline, positions] : plan) {
    std::vector<ChainInput> inputs;
    for (const auto& in : test->inputs) inputs.push_back({in.payload, in.metadata, in.received_at_ms});
    ChainResult result;
    try {
      TransformChain chain(registry, *pipeline, positions);
      result = chain.run(inputs, test->one_batch);
    } catch (const config::ConfigErrors& cannot) {
      config::print(cannot, err);
      err << config::Diagnostic{test->at, "test '" + test->name + "'", "its transforms cannot be created (above)"}
                 .format()
          << "\n";
      refused = true;
      continue;
    }
    const auto differences = compare(*test, result);
    if (differences.empty()) {
      out << "ok    " << test->at.format() << ": " << test->pipeline << ": " << test->name << "\n";
      ++tally.passed;
      continue;
    }
    out << "FAIL  " << test->at.format() << ": " << test->pipeline << ": " << test->name << "\n";
    for (const auto& line : differences) out << "        " << line << "\n";
    ++tally.failed;
  }
  if (refused) ++tally.bad_files;
}

// No exception from one file stops the others: what the reader, a plugin or the comparison did
// not foresee makes this file a bad one, reported with its name.
void run_file(const std::string& path, const plugins::PluginRegistry& registry, std::ostream& out, std::ostream& err,
              TestTally& tally) {
  try {
    run_file_tests(path, registry, out, err, tally);
  } catch (const std::exception& e) {
    err << config::Diagnostic{{path, 0, 0}, "", std::string("cannot run this test file: ") + e.what()}.format() << "\n";
    ++tally.bad_files;
  }
}

}  // namespace

std::vector<std::string> test_files_at(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return {path};
  std::vector<std::string> files;
  // The error_code overloads throughout: a folder that changes or cannot be read while listed
  // ends the listing instead of throwing.
  std::filesystem::directory_iterator it(path, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto ext = it->path().extension();
    std::error_code type_ec;
    if ((ext == ".yaml" || ext == ".yml") && !it->is_directory(type_ec) && !is_pipeline_file(it->path())) {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TestTally run_tests(const std::vector<std::string>& paths, const plugins::PluginRegistry& registry, std::ostream& out,
                    std::ostream& err) {
  TestTally tally;
  for (const auto& path : paths) {
    const auto files = test_files_at(path);
    if (files.empty()) {
      err << path << ": error: no test files (*.yaml, *.yml) in this folder\n";
      ++tally.bad_files;
    }
    for (const auto& file : files) run_file(file, registry, out, err, tally);
  }
  out << tally.passed << " passed, " << tally.failed << " failed";
  if (tally.bad_files > 0) {
    out << ", " << tally.bad_files << (tally.bad_files == 1 ? " test file" : " test files") << " refused";
  }
  out << "\n";
  return tally;
}

}  // namespace sluice::pipeline_test
