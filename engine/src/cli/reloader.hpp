#pragma once
// Reloads of a running `sluice run`, from any trigger (SIGHUP, `--watch`, POST /reload), one at a
// time. A reload re-reads the pipeline file, re-scans the plugin folders (a library whose file
// changed on disk is opened again from a private copy and checked; an unchanged one is the same
// PluginLibrary object as before) and checks the file completely with the config loader before
// anything changes. On an error nothing changes: the errors are logged with file:line:column and
// returned. Otherwise Engine::reload applies it pipeline by pipeline (runtime/engine.hpp).
//
// Counts sluice_reloads_total{result="ok"|"failed"} in the metrics it is given.

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plugins/plugin_registry.hpp"
#include "runtime/engine.hpp"
#include "sluice/log.hpp"
#include "sluice/metrics.hpp"

namespace sluice::cli {

class Reloader {
 public:
  // `registry`: the one `engine` was built from (the reloader keeps it: a reload replaces it).
  // `plugin_path`: the folders to scan again (plugins::plugin_search_path).
  Reloader(runtime::Engine& engine, std::string file, std::vector<std::filesystem::path> plugin_path,
           plugins::PluginRegistry registry, std::shared_ptr<Metrics> metrics = metrics_off());
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Reloads now, on the calling thread, after any reload in progress; `trigger` names the cause
  // in the log ("SIGHUP", "--watch", "POST /reload").
  runtime::ReloadReport reload(const std::string& trigger);
  // Asks for a reload on the reloader's own thread and returns at once (for the signal and watch
  // threads, which must stay free to take a stop). Requests that arrive while one waits are one.
  void request(const std::string& trigger);

  // The handler of POST /reload: runs a reload and answers {200, summary JSON} when it was applied,
  // {422, JSON with the errors} when it was refused (ReloadReport::json()).
  std::function<std::pair<int, std::string>()> http_handler();

  // The folders a `--watch` looks at: the pipeline file's folder and the plugin folders.
  const std::string& file() const { return file_; }
  const std::vector<std::filesystem::path>& plugin_path() const { return plugin_path_; }

 private:
  void serve();

  runtime::Engine& engine_;
  const std::string file_;
  const std::vector<std::filesystem::path> plugin_path_;
  Logger log_{"reload"};
  Counter ok_;
  Counter failed_;

  std::mutex reload_mutex_;  // one reload at a time; guards registry_
  plugins::PluginRegistry registry_;

  std::mutex mutex_;  // guards the request state below
  std::condition_variable wake_;
  std::string pending_;  // the trigger of the reload asked for; empty when none
  bool closing_ = false;
  std::thread thread_;
};

}  // namespace sluice::cli
