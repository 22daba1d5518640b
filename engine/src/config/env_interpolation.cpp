#include "config/env_interpolation.hpp"

#include <cctype>
#include <cstdlib>

namespace sluice::config {

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

namespace {
bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}
}  // namespace

std::optional<std::string> interpolate_env(std::string_view text, const EnvLookup& env, std::string& error) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      error = "unterminated '${' (write '$${' for a literal '${')";
      return std::nullopt;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::optional<std::string_view> fallback;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      fallback = inner.substr(sep + 2);
      inner = inner.substr(0, sep);
    }
    if (!valid_name(inner)) {
      error = "'${" + std::string(inner) +
              "}' is not a valid environment variable reference (expected ${NAME} or ${NAME:-default})";
      return std::nullopt;
    }
    auto value = env(std::string(inner));
    if (value && !(value->empty() && fallback)) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else {
      error = "environment variable " + std::string(inner) + " is not set (set it, or write ${" + std::string(inner) +
              ":-default} to give a fallback)";
      return std::nullopt;
    }
    i = close + 1;
  }
  return out;
}

}  // namespace sluice::config
