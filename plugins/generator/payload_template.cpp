#include "payload_template.hpp"

#include "sluice/errors.hpp"

namespace sluice::generator {

PayloadTemplate::PayloadTemplate(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      parts_.emplace_back(Part::text, text.substr(pos));
      break;
    }
    if (open > pos) parts_.emplace_back(Part::text, text.substr(pos, open - pos));
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      throw ConfigError("payload", "unterminated '{{' at character " + std::to_string(open + 1) +
                                       "; placeholders are {{seq}} and {{timestamp_ms}}");
    }
    const std::string name = text.substr(open + 2, close - open - 2);
    if (name == "seq") {
      parts_.emplace_back(Part::seq, "");
    } else if (name == "timestamp_ms") {
      parts_.emplace_back(Part::timestamp_ms, "");
    } else {
      throw ConfigError("payload", "unknown placeholder {{" + name + "}}; known: {{seq}}, {{timestamp_ms}}");
    }
    pos = close + 2;
  }
  for (const auto& [kind, literal] : parts_) literal_size_ += literal.size();
}

std::string PayloadTemplate::render(std::uint64_t seq, std::int64_t timestamp_ms) const {
  std::string out;
  out.reserve(literal_size_ + 40);
  for (const auto& [kind, literal] : parts_) {
    switch (kind) {
      case Part::text: out += literal; break;
      case Part::seq: out += std::to_string(seq); break;
      case Part::timestamp_ms: out += std::to_string(timestamp_ms); break;
    }
  }
  return out;
}

}  // namespace sluice::generator
