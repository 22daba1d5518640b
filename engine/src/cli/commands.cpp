#include "cli/commands.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

#include "admin/admin_server.hpp"
#include "admin/engine_admin.hpp"
#include "cli/file_watch.hpp"
#include "cli/metrics_docs.hpp"
#include "cli/plugin_docs.hpp"
#include "cli/reloader.hpp"
#include "cli/shutdown_signals.hpp"
#include "config/config_loader.hpp"
#include "config/suggest.hpp"
#include "metrics/registry.hpp"
#include "plugins/plugin_registry.hpp"
#include "runtime/engine.hpp"
#include "sluice/plugin.hpp"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif

namespace sluice::cli {

// Loads every plugin on the search path; refused libraries are reported, not fatal.
plugins::PluginRegistry load_plugins(const CliArgs& args) {
  plugins::PluginRegistry registry;
  Logger log("plugins");
  for (const auto& dir : args.plugin_dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) log.warn("plugin folder ", dir, " does not exist");
  }
  const auto path = plugins::plugin_search_path(args.plugin_dirs);
  registry.scan(path);
  for (const auto& problem : registry.problems()) log.warn("plugin refused: ", problem);
  if (registry.entries().empty()) {
    std::string searched;
    for (const auto& p : path) searched += (searched.empty() ? "" : ", ") + p.string();
    log.warn("no plugins found; searched: ", searched);
  }
  return registry;
}

namespace {

constexpr int kExitConfig = 2;

int report(const config::ConfigErrors& errors) {
  config::print(errors, std::cerr);
  const auto n = errors.diagnostics().size();
  std::cerr << n << (n == 1 ? " error" : " errors") << "; nothing was started\n";
  return kExitConfig;
}

bool need_file(const CliArgs& args) {
  if (args.positional.size() == 1) return true;
  std::cerr << "sluice " << args.command << ": expected exactly one pipeline file\n\n" << kUsage;
  return false;
}

// The admin endpoint on engine.admin.listen. When that is the default (not in the file) and taken,
// by a second `sluice run` on this host (`--only ingest` and `--only broadcast` as two processes),
// it opens on a free port instead and says so; an address the file names must be free.
std::unique_ptr<admin::AdminServer> open_admin_endpoint(const config::EngineSettings& settings,
                                                        admin::AdminHandlers handlers) {
  try {
    return std::make_unique<admin::AdminServer>(settings.admin_listen, handlers);
  } catch (const admin::AdminStartError& e) {
    if (settings.admin_listen_given) throw;
    const std::string fallback = settings.admin_listen.substr(0, settings.admin_listen.rfind(':')) + ":0";
    Logger("engine").warn(e.what(), "; opening it on a free port instead (", fallback,
                          "): set engine.admin.listen to choose the address");
    return std::make_unique<admin::AdminServer>(fallback, std::move(handlers));
  }
}

}  // namespace

int run_command(const CliArgs& args) {
  if (!need_file(args)) return kExitConfig;
  // Block SIGINT/SIGTERM/SIGHUP before any thread (plugins, I/O) exists, so they all inherit the mask.
  ShutdownSignals signals;
  auto registry = load_plugins(args);
  try {
    const auto config = config::load_config_file(args.positional[0], registry);
    runtime::EngineOptions options;
    options.only = args.only;
    // Made here, not in the Engine, so that series outlive the pipelines a reload replaces.
    options.metrics = std::make_shared<metrics::Registry>(config.engine.metrics);
    runtime::Engine engine(config, registry, options);
    // Declared after the engine, so destroyed before it: no reload runs into a torn-down engine.
    Reloader reloader(engine, args.positional[0], plugins::plugin_search_path(args.plugin_dirs), std::move(registry),
                      options.metrics->for_engine());
    // Serving before the pipelines start, so /ready says "starting" while a sink connects; declared
    // after the engine and the reloader its handlers call, so it stops before they are destroyed.
    std::unique_ptr<admin::AdminServer> admin_server;
    if (!config.engine.admin_listen.empty()) {
      admin::AdminHandlers handlers;
      admin::serve_engine_status(handlers, engine);
      handlers.metrics = [metrics = options.metrics] { return metrics->render(); };
      handlers.reload = reloader.http_handler();
      admin_server = open_admin_endpoint(config.engine, std::move(handlers));
      admin_server->start();
    }
    signals.start([&engine] { engine.request_stop(); }, [&reloader] { reloader.request("SIGHUP"); });
    engine.start();
    std::unique_ptr<FileWatch> watch;
    if (args.watch) {
      watch = std::make_unique<FileWatch>(args.positional[0], reloader.plugin_path(),
                                          [&reloader] { reloader.request("--watch"); });
    }
    const int code = engine.wait();
    signals.stop();  // its callbacks hold the reloader and the engine, destroyed on return
    if (admin_server) admin_server->stop();
    return code;
  } catch (const config::ConfigErrors& errors) {
    return report(errors);
  } catch (const admin::AdminStartError& e) {
    std::cerr << e.what() << "; nothing was started\n";
    return kExitConfig;
  }
}

int validate_command(const CliArgs& args) {
  if (!need_file(args)) return kExitConfig;
  auto registry = load_plugins(args);
  try {
    const auto config = config::load_config_file(args.positional[0], registry);
    std::size_t components = 0;
    for (const auto& p : config.pipelines) components += 1 + p.transforms.size() + p.sinks.size();
    std::cout << args.positional[0] << ": OK (" << config.pipelines.size() << " pipelines, " << components
              << " components)\n";
    return 0;
  } catch (const config::ConfigErrors& errors) {
    return report(errors);
  }
}

int plugins_command(const CliArgs& args) {
  auto registry = load_plugins(args);
  if (args.markdown) {
    std::cout << plugin_reference_markdown(registry);
    return 0;
  }
  if (args.metrics_markdown) {
    std::cout << metrics_reference_markdown(registry);
    return 0;
  }
  if (args.describe) {
    bool found = false;
    for (const auto* entry : registry.entries()) {
      if (entry->spec->type == *args.describe) {
        std::cout << (found ? "\n" : "") << describe_component(*entry);
        found = true;
      }
    }
    if (found) return 0;
    std::vector<std::string> all;
    for (const auto* entry : registry.entries()) all.push_back(entry->spec->type);
    std::cerr << "no component of type '" << *args.describe << "'" << config::did_you_mean(*args.describe, all)
              << "; see `sluice plugins` for the list\n";
    return kExitConfig;
  }
  // Columns as wide as their longest entry, so long library paths stay readable.
  std::size_t type_width = 4, lib_width = 7;
  for (const auto* entry : registry.entries()) {
    type_width = std::max(type_width, entry->spec->type.size());
    lib_width = std::max(lib_width, entry->library->file().string().size());
  }
  const int tw = static_cast<int>(type_width), lw = static_cast<int>(lib_width);
  std::printf("%-9s  %-*s  %-*s  %s\n", "KIND", tw, "TYPE", lw, "LIBRARY", "SUMMARY");
  for (const auto* entry : registry.entries()) {
    const auto& lib = *entry->library;
    std::printf("%-9s  %-*s  %-*s  %s\n", component_kind_name(entry->spec->kind), tw, entry->spec->type.c_str(), lw,
                lib.file().empty() ? "(built in)" : lib.file().string().c_str(), entry->spec->summary.c_str());
  }
  return 0;
}

int version_command() {
  std::cout << "sluice " << SLUICE_VERSION << " (plugin ABI " << SLUICE_ABI_VERSION << ", toolchain "
            << SLUICE_TOOLCHAIN_TAG << ")\n";
  return 0;
}

}  // namespace sluice::cli
