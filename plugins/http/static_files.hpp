#pragma once
// Serves a folder (the click tracker's web/) so one engine serves the pages and the API. A path
// can never leave the folder: it is resolved and checked after symlinks and "..", not by
// looking at the text of the URL. No dotfile is served (.git, .env, .gitignore): any path
// segment starting with "." is not found.
//
// Files are read once into a bounded cache and served from memory; each request only checks the
// file's size and modification time, so an edited page is read again on its next request. The
// cache holds at most `max_bytes`; the files used least recently make room. A file larger than
// the whole cache is not served (404): the folder is meant for a few pages, not for downloads.

#include <chrono>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace sluice::http {

struct StaticFile {
  std::shared_ptr<const std::string> body;  // shared with the cache; stays valid if it is evicted
  std::string content_type;
};

class StaticFiles {
 public:
  // An empty root serves nothing.
  explicit StaticFiles(const std::string& root, std::size_t max_bytes = 16 * 1024 * 1024);
  bool enabled() const { return !root_.empty(); }
  // The file for a URL path ("/dashboard/" serves dashboard/index.html). nullopt: not found,
  // a dotfile, outside the folder, not a regular file, or larger than the cache. Thread-safe.
  std::optional<StaticFile> find(std::string_view url_path) const;
  std::size_t cached_bytes() const;
  // Disk reads so far (for tests: a second request is served from memory).
  std::size_t reads() const;

 private:
  struct Entry {
    std::shared_ptr<const std::string> body;
    std::filesystem::file_time_type modified;
    std::uintmax_t size;
    std::list<std::string>::iterator lru;
  };
  std::optional<std::shared_ptr<const std::string>> load(const std::filesystem::path& real) const;

  std::filesystem::path root_;  // canonical
  std::size_t max_bytes_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Entry> cache_;  // by canonical path
  mutable std::list<std::string> lru_;                    // most recently served first
  mutable std::size_t bytes_ = 0;
  mutable std::size_t reads_ = 0;
};

std::string mime_type(const std::filesystem::path& file);

}  // namespace sluice::http
