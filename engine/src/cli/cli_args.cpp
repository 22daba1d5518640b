#include "cli/cli_args.hpp"

#include <stdexcept>
#include <string_view>

namespace sluice::cli {

const char* const kUsage =
    "usage: sluice [options] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run FILE [--only NAME]... [--watch]\n"
    "                              run the pipelines of FILE until they end or SIGINT/SIGTERM;\n"
    "                              SIGHUP reloads FILE and the plugin folders (changed pipelines\n"
    "                              restart, the others run on); --watch reloads on every change\n"
    "  validate FILE               check FILE against the plugins' options; runs nothing\n"
    "  test PATH...                run the tests of pipeline files: test files, or folders of them\n"
    "                              (exit 1 when a test fails, 2 when a test file is wrong)\n"
    "  plugins [--describe TYPE]   list the components found, or one type's options\n"
    "  plugins --markdown          the plugin reference as Markdown (for the README)\n"
    "  plugins --metrics-markdown  the metrics reference as Markdown (for the README)\n"
    "  new-plugin NAME --kind source|transform|sink [DIR]\n"
    "                              write a plugin folder (DIR, default ./NAME) that builds against\n"
    "                              the installed SDK with find_package(Sluice), with its test\n"
    "  version                     print the version and plugin ABI\n"
    "\n"
    "options:\n"
    "  --plugin-dir DIR            look for plugins in DIR first (repeatable); then SLUICE_PLUGIN_PATH\n"
    "                              (colon-separated), then lib/sluice/plugins beside the executable\n"
    "  --log-level LEVEL           trace, debug, info (default), warn, error or off\n"
    "  -h, --help                  this text\n"
    "\n"
    "exit codes: 0 success, 1 runtime failure, 2 configuration or usage error\n";

CliArgs parse_args(int argc, char** argv) {
  CliArgs args;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string inline_value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      if (auto eq = arg.find('='); eq != std::string_view::npos) {
        inline_value = std::string(arg.substr(eq + 1));
        has_inline = true;
        arg = arg.substr(0, eq);
      }
    }
    auto value = [&]() -> std::string {
      if (has_inline) return inline_value;
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      args.command = "help";
    } else if (arg == "--plugin-dir") {
      args.plugin_dirs.push_back(value());
    } else if (arg == "--log-level") {
      args.log_level = value();
    } else if (arg == "--only") {
      args.only.push_back(value());
    } else if (arg == "--describe") {
      args.describe = value();
    } else if (arg == "--kind") {
      args.kind = value();
    } else if (arg == "--watch") {
      args.watch = true;
    } else if (arg == "--markdown") {
      args.markdown = true;
    } else if (arg == "--metrics-markdown") {
      args.metrics_markdown = true;
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw std::invalid_argument("unknown option " + std::string(arg));
    } else if (args.command.empty()) {
      args.command = std::string(arg);
    } else {
      args.positional.emplace_back(arg);
    }
  }
  if (args.command.empty()) args.command = "help";
  return args;
}

}  // namespace sluice::cli
