#include "payload_template.hpp"

#include <charconv>
#include <string_view>

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
  for (const auto& [kind, literal] : parts_) {
    literal_size_ += literal.size();
    seq_parts_ += kind == Part::seq;
    timestamp_parts_ += kind == Part::timestamp_ms;
  }
}

std::string PayloadTemplate::render(std::uint64_t seq, std::int64_t timestamp_ms) const {
  // The digits are written once, then copied wherever a placeholder stands: a template names the
  // same number several times (the bench's click has {{seq}} three times).
  char seq_text[24];
  char time_text[24];
  const std::string_view seq_digits(seq_text, std::to_chars(seq_text, seq_text + sizeof seq_text, seq).ptr - seq_text);
  const std::string_view time_digits(
      time_text, std::to_chars(time_text, time_text + sizeof time_text, timestamp_ms).ptr - time_text);
  std::string out;
  out.reserve(literal_size_ + seq_parts_ * seq_digits.size() + timestamp_parts_ * time_digits.size());
  for (const auto& [kind, literal] : parts_) {
    switch (kind) {
      case Part::text:
        out += literal;
        break;
      case Part::seq:
        out += seq_digits;
        break;
      case Part::timestamp_ms:
        out += time_digits;
        break;
    }
  }
  return out;
}

}  // namespace sluice::generator
