#include "static_files.hpp"

#include <fstream>
#include <sstream>

#include "sluice/errors.hpp"

namespace sluice::http {

namespace fs = std::filesystem;

StaticFiles::StaticFiles(const std::string& root) {
  if (root.empty()) return;
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec || !fs::is_directory(root_)) {
    throw ConfigError("static_dir", "'" + root + "' is not a folder that can be read" + (ec ? ": " + ec.message() : ""));
  }
}

std::string mime_type(const fs::path& file) {
  static const std::pair<const char*, const char*> types[] = {
      {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".json", "application/json"},
      {".svg", "image/svg+xml"},             {".png", "image/png"},
      {".jpg", "image/jpeg"},                {".jpeg", "image/jpeg"},
      {".ico", "image/x-icon"},              {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},          {".woff2", "font/woff2"}};
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

}  // namespace

std::optional<StaticFile> StaticFiles::find(std::string_view url_path) const {
  if (!enabled()) return std::nullopt;
  if (auto q = url_path.find_first_of("?#"); q != std::string_view::npos) url_path = url_path.substr(0, q);
  auto decoded = url_decode(url_path);
  if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
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
  if (!fs::is_regular_file(real, ec)) return std::nullopt;
  std::ifstream in(real, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  return StaticFile{body.str(), mime_type(real)};
}

}  // namespace sluice::http
