#include "plugins/private_copy.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include "plugins/plugin_library.hpp"

namespace sluice::plugins {

namespace fs = std::filesystem;

namespace {

// The folder, made once; removed with everything left in it at exit (a library still mapped
// then is mapped from an unlinked file, which the kernel keeps until the process ends).
class CopyFolder {
 public:
  const fs::path& path() {
    std::lock_guard lock(mutex_);
    if (path_.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      std::string pattern =
          std::string(tmp && *tmp ? tmp : "/tmp") + "/sluice-plugins-" + std::to_string(::getpid()) + "-XXXXXX";
      if (::mkdtemp(pattern.data()) == nullptr) {
        throw PluginLoadError("cannot make a folder for private copies of plugins under " +
                              std::string(tmp && *tmp ? tmp : "/tmp") + " (set TMPDIR to a writable folder)");
      }
      path_ = pattern;
    }
    return path_;
  }
  ~CopyFolder() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }

 private:
  std::mutex mutex_;
  fs::path path_;
};

CopyFolder& folder() {
  static CopyFolder f;
  return f;
}

}  // namespace

fs::path make_private_copy(const fs::path& file) {
  static std::atomic<unsigned> next{0};
  const fs::path copy = folder().path() / (std::to_string(++next) + "-" + file.filename().string());
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    if (!ec) ec = std::make_error_code(std::errc::no_such_file_or_directory);
    throw PluginLoadError(file.string() + ": cannot be read: " + ec.message());
  }
  if (!fs::copy_file(file, copy, fs::copy_options::overwrite_existing, ec)) {
    fs::remove(copy, ec);
    throw PluginLoadError(file.string() + ": cannot be read: " + ec.message());
  }
  return copy;
}

void remove_private_copy(const fs::path& copy) {
  std::error_code ec;
  fs::remove(copy, ec);
}

}  // namespace sluice::plugins
