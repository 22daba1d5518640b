#pragma once
// The command line: `sluice [options] COMMAND [ARGS]`, options allowed anywhere.

#include <optional>
#include <string>
#include <vector>

namespace sluice::cli {

struct CliArgs {
  std::string command;                   // run | validate | test | plugins | new-plugin | version | help
  std::vector<std::string> positional;   // after the command (the pipeline file; test files)
  std::vector<std::string> plugin_dirs;  // --plugin-dir, repeatable
  std::vector<std::string> only;         // --only, repeatable
  std::optional<std::string> describe;   // plugins --describe TYPE
  bool markdown = false;                 // plugins --markdown
  bool metrics_markdown = false;         // plugins --metrics-markdown
  bool watch = false;                    // run --watch
  std::optional<std::string> kind;       // new-plugin --kind source|transform|sink
  std::string log_level = "info";
};

// Throws std::invalid_argument with a message for the user.
CliArgs parse_args(int argc, char** argv);

extern const char* const kUsage;

}  // namespace sluice::cli
