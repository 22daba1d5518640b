#pragma once
// Serves a folder (the click tracker's web/) so one engine serves the pages and the API. A path
// can never leave the folder: it is resolved and checked after symlinks and "..", not by
// looking at the text of the URL.

#include <filesystem>
#include <optional>
#include <string>

namespace sluice::http {

struct StaticFile {
  std::string body;
  std::string content_type;
};

class StaticFiles {
 public:
  // An empty root serves nothing.
  explicit StaticFiles(const std::string& root);
  bool enabled() const { return !root_.empty(); }
  // The file for a URL path ("/dashboard/" serves dashboard/index.html). nullopt: not found,
  // outside the folder, or not a regular file.
  std::optional<StaticFile> find(std::string_view url_path) const;

 private:
  std::filesystem::path root_;  // canonical
};

std::string mime_type(const std::filesystem::path& file);

}  // namespace sluice::http
