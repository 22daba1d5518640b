#include "config/config_hash.hpp"

#include <cstdint>
#include <cstdio>

namespace sluice::config {

namespace {

// Length-prefixed, so that no value can imitate a separator, and byte for byte, so that any
// string (a header value with bytes that are not UTF-8) has a text and two strings never share one.
class Canonical {
 public:
  Canonical& str(const std::string& s) {
    text_ += std::to_string(s.size()) + ":" + s;
    return *this;
  }
  Canonical& tag(const char* t) {
    text_ += t;
    return *this;
  }
  Canonical& num(std::int64_t n) { return str(std::to_string(n)); }
  Canonical& value(const OptionValue& value) {
    std::visit(
        [this](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            tag("n");
          } else if constexpr (std::is_same_v<T, std::string>) {
            tag("s").str(v);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            tag("i").num(v);
          } else if constexpr (std::is_same_v<T, double>) {
            char out[40];
            std::snprintf(out, sizeof out, "%.17g", v);
            tag("f").str(out);
          } else if constexpr (std::is_same_v<T, bool>) {
            tag(v ? "t" : "F");
          } else if constexpr (std::is_same_v<T, Duration>) {
            tag("d").num(v.count());
          } else if constexpr (std::is_same_v<T, StringList>) {
            list(v);
          } else if constexpr (std::is_same_v<T, StringMap>) {
            tag("m").num(static_cast<std::int64_t>(v.size()));
            for (const auto& [key, val] : v) str(key).str(val);
          } else {  // MapList
            tag("M").num(static_cast<std::int64_t>(v.size()));
            for (const auto& map : v) {
              num(static_cast<std::int64_t>(map.size()));
              for (const auto& [key, val] : map) str(key).list(val);
            }
          }
        },
        value);
    return *this;
  }
  Canonical& list(const StringList& v) {
    tag("l").num(static_cast<std::int64_t>(v.size()));
    for (const auto& s : v) str(s);
    return *this;
  }
  Canonical& component(const ComponentConfig& c, const LibraryIdentity& library) {
    tag("{").str(c.slot).str(component_kind_name(c.kind)).str(c.type).str(c.label);
    str(library ? library(c.kind, c.type) : std::string());
    num(static_cast<std::int64_t>(c.options.values().size()));
    for (const auto& [name, v] : c.options.values()) str(name).value(v);  // a std::map: in name order
    return tag("}");
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

}  // namespace

std::string pipeline_config_text(const PipelineConfig& p, const LibraryIdentity& library) {
  Canonical c;
  c.tag("pipeline").str(p.name);
  c.tag("settings").num(p.settings.queue_capacity).num(p.settings.batch_max_events);
  c.num(p.settings.batch_max_wait.count()).num(p.settings.sink_max_in_flight);
  c.tag("source").component(p.source, library);
  c.tag("transforms").num(static_cast<std::int64_t>(p.transforms.size()));
  for (const auto& t : p.transforms) c.component(t, library);
  c.tag("sinks").num(static_cast<std::int64_t>(p.sinks.size()));
  for (const auto& s : p.sinks) c.component(s, library);
  c.tag("dead_letter").tag(p.dead_letter.enabled ? "t" : "F").tag(p.dead_letter.include_refused_requests ? "t" : "F");
  if (p.dead_letter.enabled) c.component(p.dead_letter.sink, library);
  return c.take();
}

std::string pipeline_config_hash(const PipelineConfig& pipeline, const LibraryIdentity& library) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (const unsigned char c : pipeline_config_text(pipeline, library)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace sluice::config
