#pragma once
// `sluice run --watch`: inotify on the pipeline file's folder and the plugin folders. A change
// asks for a reload once things have been quiet for `quiet` (300 ms): an editor's save, or an
// install writing and renaming a library, is one reload, not several.
//
// Folders are watched, not files: editors save by writing a new file and renaming it over the
// old one, and `install`/`cmake --install` rename a new library over the old; a watch on the
// old file's inode would see neither. In the pipeline file's folder only that file's name
// counts; in a plugin folder any name ending in .so.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "sluice/log.hpp"

namespace sluice::cli {

class FileWatch {
 public:
  // `on_change` runs on the watch thread. A folder that does not exist is skipped (logged).
  FileWatch(const std::filesystem::path& file, const std::vector<std::filesystem::path>& plugin_folders,
            std::function<void()> on_change, std::chrono::milliseconds quiet = std::chrono::milliseconds(300));
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

 private:
  struct Watched {
    int wd = -1;
    std::string only_name;  // the pipeline file's name; empty: any *.so
  };
  void run();
  bool relevant(int wd, const std::string& name) const;

  Logger log_{"watch"};
  std::function<void()> on_change_;
  std::chrono::milliseconds quiet_;
  int inotify_ = -1;
  int wake_[2] = {-1, -1};  // a pipe: the destructor writes to end run()
  std::vector<Watched> watched_;
  std::thread thread_;
};

}  // namespace sluice::cli
