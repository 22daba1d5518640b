#include "config/config_hash.hpp"

#include <cstdint>
#include <cstdio>
#include <type_traits>

namespace sluice::config {
namespace {

// Builds the canonical text: every field written with its length first, so that no two different
// configurations write the same text ("ab"+"c" and "a"+"bc" differ).
class Canonical {
 public:
  void put(const std::string& s) { text_ += std::to_string(s.size()) + ":" + s + ";"; }
  void put(std::int64_t v) { put(std::to_string(v)); }

  void put(const OptionValue& value) {
    std::visit(
        [this](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            put(std::string("none"));
          } else if constexpr (std::is_same_v<T, std::string>) {
            put(std::string("s")), put(v);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            put(std::string("i")), put(v);
          } else if constexpr (std::is_same_v<T, double>) {
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", v);
            put(std::string("f")), put(std::string(buf));
          } else if constexpr (std::is_same_v<T, bool>) {
            put(std::string(v ? "true" : "false"));
          } else if constexpr (std::is_same_v<T, Duration>) {
            put(std::string("d")), put(static_cast<std::int64_t>(v.count()));
          } else if constexpr (std::is_same_v<T, StringList>) {
            put(std::string("l")), put(static_cast<std::int64_t>(v.size()));
            for (const auto& s : v) put(s);
          } else if constexpr (std::is_same_v<T, StringMap>) {
            put(std::string("m")), put(static_cast<std::int64_t>(v.size()));
            for (const auto& [k, s] : v) put(k), put(s);
          } else {  // MapList
            put(std::string("ml")), put(static_cast<std::int64_t>(v.size()));
            for (const auto& item : v) {
              put(static_cast<std::int64_t>(item.size()));
              for (const auto& [k, list] : item) {
                put(k), put(static_cast<std::int64_t>(list.size()));
                for (const auto& s : list) put(s);
              }
            }
          }
        },
        value);
  }

  void put(const ComponentConfig& c) {
    put(std::string(component_kind_name(c.kind))), put(c.slot), put(c.type), put(c.label);
    put(static_cast<std::int64_t>(c.options.values().size()));
    for (const auto& [name, value] : c.options.values()) put(name), put(value);  // a std::map: sorted
  }

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string pipeline_config_hash(const PipelineConfig& p) {
  Canonical c;
  c.put(p.name);
  c.put(p.settings.queue_capacity), c.put(p.settings.batch_max_events);
  c.put(static_cast<std::int64_t>(p.settings.batch_max_wait.count())), c.put(p.settings.sink_max_in_flight);
  c.put(p.source);
  c.put(static_cast<std::int64_t>(p.transforms.size()));
  for (const auto& t : p.transforms) c.put(t);
  c.put(static_cast<std::int64_t>(p.sinks.size()));
  for (const auto& s : p.sinks) c.put(s);
  c.put(std::string(p.dead_letter.enabled ? "dl" : "no-dl"));
  if (p.dead_letter.enabled) {
    c.put(std::string(p.dead_letter.include_refused_requests ? "refused" : "-"));
    c.put(p.dead_letter.sink);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(c.text())));
  return hex;
}

}  // namespace sluice::config
