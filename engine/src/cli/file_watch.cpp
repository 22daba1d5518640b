#include "cli/file_watch.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace sluice::cli {

namespace fs = std::filesystem;

namespace {
// A file written in place (cp, a truncating editor) is done at IN_CLOSE_WRITE; one renamed into
// place arrives as IN_MOVED_TO; a removal counts too (a pipeline file's library removed).
constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
}  // namespace

FileWatch::FileWatch(const fs::path& file, const std::vector<fs::path>& plugin_folders, std::function<void()> on_change,
                     std::chrono::milliseconds quiet)
    : on_change_(std::move(on_change)), quiet_(quiet) {
  inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ < 0 || pipe2(wake_, O_CLOEXEC) != 0) {
    log_.error("cannot watch files: ", std::strerror(errno), "; --watch is off (SIGHUP still reloads)");
    return;
  }
  const auto add = [&](const fs::path& folder, std::string only_name) {
    const int wd = inotify_add_watch(inotify_, folder.c_str(), kMask);
    if (wd < 0) {
      log_.warn("cannot watch ", folder.string(), ": ", std::strerror(errno));
      return;
    }
    watched_.push_back({wd, std::move(only_name)});
    log_.info("watching ", folder.string(), watched_.back().only_name.empty() ? " (plugins)" : "");
  };
  const fs::path absolute = fs::absolute(file);
  add(absolute.parent_path(), absolute.filename().string());
  for (const auto& folder : plugin_folders) {
    std::error_code ec;
    if (fs::is_directory(folder, ec)) add(folder, "");
  }
  thread_ = std::thread([this] { run(); });
}

FileWatch::~FileWatch() {
  if (thread_.joinable()) {
    const char byte = 0;
    [[maybe_unused]] auto n = write(wake_[1], &byte, 1);
    thread_.join();
  }
  if (inotify_ >= 0) close(inotify_);
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
}

bool FileWatch::relevant(int wd, const std::string& name) const {
  for (const auto& w : watched_) {
    if (w.wd != wd) continue;
    if (!w.only_name.empty()) return name == w.only_name;
    return name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0;
  }
  return false;
}

void FileWatch::run() {
  alignas(inotify_event) std::array<char, 8192> buffer{};
  bool dirty = false;  // a relevant change seen, reload not yet asked for
  for (;;) {
    pollfd fds[2] = {{inotify_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    // Quiet for `quiet_` since the last relevant change: ask for the reload.
    const int ready = poll(fds, 2, dirty ? static_cast<int>(quiet_.count()) : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || (fds[1].revents & POLLIN) != 0) return;
    if (ready == 0) {
      dirty = false;
      on_change_();
      continue;
    }
    for (;;) {
      const ssize_t n = read(inotify_, buffer.data(), buffer.size());
      if (n <= 0) break;
      for (ssize_t at = 0; at < n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(buffer.data() + at);
        if ((e->mask & IN_Q_OVERFLOW) != 0 || (e->len > 0 && relevant(e->wd, e->name))) dirty = true;
        at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      }
    }
  }
}

}  // namespace sluice::cli
