#include "counted_offsets.hpp"
#include "sluice/metadata_keys.hpp"

#include <charconv>

namespace sluice::clicks {
namespace {

// The whole text as a non-negative decimal number of type T; nothing else is accepted (no sign,
// no blanks, no trailing bytes), and a number out of range is not wrapped.
template <class T>
std::optional<T> whole_number(const std::string* text) {
  if (text == nullptr || text->empty()) return std::nullopt;
  T value{};
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<KafkaPosition> kafka_position(const Metadata& meta) {
  const std::string* topic = meta.find(metadata_key::kafka_topic);
  const auto partition = whole_number<std::int32_t>(meta.find(metadata_key::kafka_partition));
  const auto offset = whole_number<std::int64_t>(meta.find(metadata_key::kafka_offset));
  if (topic == nullptr || !partition || !offset) return std::nullopt;
  return KafkaPosition{*topic, *partition, *offset};
}

bool CountedOffsets::first_count(const KafkaPosition& p) {
  const std::pair<std::string_view, std::int32_t> key{p.topic, p.partition};
  if (auto it = last_.find(key); it != last_.end()) {
    if (p.offset <= it->second) return false;
    it->second = p.offset;
    return true;
  }
  if (!full()) last_.emplace(std::pair<std::string, std::int32_t>(p.topic, p.partition), p.offset);
  return true;
}

}  // namespace sluice::clicks
