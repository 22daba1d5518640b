#include "static_files.hpp"

#include <fstream>
#include <sstream>

#include "sluice/errors.hpp"

namespace sluice::http {

namespace fs = std::filesystem;

StaticFiles::StaticFiles(const std::string& root, std::size_t max_bytes) : max_bytes_(max_bytes) {
  if (root.empty()) return;
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec || !fs::is_directory(root_)) {
    throw ConfigError("static_dir",
                      "'" + root + "' is not a folder that can be read" + (ec ? ": " + ec.message() : ""));
  }
}

std::string mime_type(const fs::path& file) {
  static const std::pair<const char*, const char*> types[] = {{".html", "text/html; charset=utf-8"},
                                                              {".htm", "text/html; charset=utf-8"},
                                                              {".css", "text/css; charset=utf-8"},
                                                              {".js", "text/javascript; charset=utf-8"},
                                                              {".mjs", "text/javascript; charset=utf-8"},
                                                              {".json", "application/json"},
                                                              {".svg", "image/svg+xml"},
                                                              {".png", "image/png"},
                                                              {".jpg", "image/jpeg"},
                                                              {".jpeg", "image/jpeg"},
                                                              {".ico", "image/x-icon"},
                                                              {".txt", "text/plain; charset=utf-8"},
                                                              {".map", "application/json"},
                                                              {".woff2", "font/woff2"}};
  const std::string ext = file.extension().string();
  for (const auto& [e, type] : types) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

namespace {

// %XX decoding; nullopt for malformed escapes or an encoded NUL.
std::optional<std::string> url_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return std::nullopt;
    }
    const char c = static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
    if (c == '\0') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

// Any segment that starts with ".": dotfiles, dot folders, "." and "..".
bool hidden(std::string_view path) {
  for (std::size_t pos = 0; pos < path.size();) {
    const auto slash = std::min(path.find('/', pos), path.size());
    if (slash > pos && path[pos] == '.') return true;
    pos = slash + 1;
  }
  return false;
}

}  // namespace

std::optional<StaticFile> StaticFiles::find(std::string_view url_path) const {
  if (!enabled()) return std::nullopt;
  if (auto q = url_path.find_first_of("?#"); q != std::string_view::npos) url_path = url_path.substr(0, q);
  auto decoded = url_decode(url_path);
  if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
  // No dotfiles, and no "." or "..": judged on the decoded text, so %2e is caught too.
  if (hidden(*decoded)) return std::nullopt;
  fs::path wanted = root_ / fs::path(decoded->substr(1)).relative_path();
  std::error_code ec;
  if (fs::is_directory(wanted, ec)) wanted /= "index.html";
  const fs::path real = fs::weakly_canonical(wanted, ec);
  if (ec) return std::nullopt;
  // Inside the folder after "..", symlinks and all: compare path components, not text prefixes.
  auto r = root_.begin();
  auto p = real.begin();
  for (; r != root_.end(); ++r, ++p) {
    if (p == real.end() || *p != *r) return std::nullopt;
  }
  // A symlink may lead into a dot folder inside the root.
  for (; p != real.end(); ++p) {
    if (!p->empty() && p->string().front() == '.') return std::nullopt;
  }
  if (!fs::is_regular_file(real, ec)) return std::nullopt;
  auto body = load(real);
  if (!body) return std::nullopt;
  return StaticFile{std::move(*body), mime_type(real)};
}

std::optional<std::shared_ptr<const std::string>> StaticFiles::load(const fs::path& real) const {
  std::error_code ec;
  const auto size = fs::file_size(real, ec);
  if (ec || size > max_bytes_) return std::nullopt;
  const auto modified = fs::last_write_time(real, ec);
  if (ec) return std::nullopt;
  const std::string key = real.string();
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (it->second.size == size && it->second.modified == modified) {
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return it->second.body;
      }
      bytes_ -= it->second.body->size();
      lru_.erase(it->second.lru);
      cache_.erase(it);
    }
  }
  // Read outside the lock: other requests are served meanwhile. Two first requests for one file
  // may both read it; the second to finish replaces the first's entry.
  std::ifstream in(real, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  auto body = std::make_shared<const std::string>(text.str());
  if (body->size() > max_bytes_) return std::nullopt;  // grew since it was measured
  std::lock_guard lock(mutex_);
  ++reads_;
  if (auto it = cache_.find(key); it != cache_.end()) {
    bytes_ -= it->second.body->size();
    lru_.erase(it->second.lru);
    cache_.erase(it);
  }
  while (bytes_ + body->size() > max_bytes_ && !lru_.empty()) {
    auto victim = cache_.find(lru_.back());
    bytes_ -= victim->second.body->size();
    cache_.erase(victim);
    lru_.pop_back();
  }
  lru_.push_front(key);
  cache_.emplace(key, Entry{body, modified, size, lru_.begin()});
  bytes_ += body->size();
  return body;
}

std::size_t StaticFiles::cached_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t StaticFiles::reads() const {
  std::lock_guard lock(mutex_);
  return reads_;
}

}  // namespace sluice::http
