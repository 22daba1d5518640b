#pragma once
// The generator's payload text with placeholders: {{seq}} (1 for the first event) and
// {{timestamp_ms}} (Unix time in milliseconds when the event is made). Parsed once at start-up so
// rendering an event is appends only.

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::generator {

class PayloadTemplate {
 public:
  // Throws sluice::ConfigError (option "payload") for an unknown or unterminated placeholder. The
  // generator's check step calls it too, so `sluice validate` reports what the constructor would.
  explicit PayloadTemplate(const std::string& text);
  std::string render(std::uint64_t seq, std::int64_t timestamp_ms) const;

 private:
  enum class Part { text, seq, timestamp_ms };
  std::vector<std::pair<Part, std::string>> parts_;
  std::size_t literal_size_ = 0;
  std::size_t seq_parts_ = 0, timestamp_parts_ = 0;  // placeholders of each kind: render's exact size
};

}  // namespace sluice::generator
