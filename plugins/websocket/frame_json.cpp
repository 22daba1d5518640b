#include "frame_json.hpp"

#include <nlohmann/json.hpp>

namespace sluice::websocket {

std::string omitted_json(const char* why, std::size_t bytes) {
  return std::string("{\"omitted\":\"") + why + "\",\"bytes\":" + std::to_string(bytes) + "}";
}

std::string frame_json(std::string_view payload, std::size_t max_bytes, bool* omitted, bool known_json) {
  if (omitted != nullptr) *omitted = true;
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (payload.substr(0, kBom.size()) == kBom) payload.remove_prefix(kBom.size());
  // Checked before parsing: a huge payload is not worth a parse, and as a string it only grows.
  if (payload.size() > max_bytes) return omitted_json("payload over the frame cap", payload.size());
  // nlohmann's parser refuses bytes that are not UTF-8, raw control characters and lone
  // surrogates, so what it accepts (after the BOM is gone) JSON.parse accepts too.
  std::string out;
  // A NUL byte ends nlohmann's input early (`{"a":1}<NUL>]` is accepted), but JSON never has one raw.
  if (known_json || (payload.find('\0') == std::string_view::npos && nlohmann::json::accept(payload))) {
    out.assign(payload);
  } else {
    out = nlohmann::json(std::string(payload)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (out.size() > max_bytes) return omitted_json("payload over the frame cap", payload.size());
  if (omitted != nullptr) *omitted = false;
  return out;
}

}  // namespace sluice::websocket
