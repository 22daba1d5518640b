#include "config/config_hash.hpp"

#include <cstdint>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace sluice::config {

namespace {

nlohmann::json value_json(const OptionValue& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, Duration>) {
          return {{"ms", v.count()}};  // an object, so 5 (an integer) and 5ms never compare equal
        } else {
          return v;
        }
      },
      value);
}

nlohmann::json component_json(const ComponentConfig& c, const LibraryIdentity& library) {
  nlohmann::json options = nlohmann::json::object();
  for (const auto& [name, value] : c.options.values()) options[name] = value_json(value);
  return {{"slot", c.slot},
          {"kind", component_kind_name(c.kind)},
          {"type", c.type},
          {"label", c.label},
          {"library", library ? library(c.kind, c.type) : std::string()},
          {"options", std::move(options)}};
}

}  // namespace

std::string pipeline_config_text(const PipelineConfig& p, const LibraryIdentity& library) {
  nlohmann::json j;
  j["name"] = p.name;
  j["settings"] = {{"queue_capacity", p.settings.queue_capacity},
                   {"batch_max_events", p.settings.batch_max_events},
                   {"batch_max_wait_ms", p.settings.batch_max_wait.count()},
                   {"sink_max_in_flight", p.settings.sink_max_in_flight}};
  j["source"] = component_json(p.source, library);
  j["transforms"] = nlohmann::json::array();
  for (const auto& t : p.transforms) j["transforms"].push_back(component_json(t, library));
  j["sinks"] = nlohmann::json::array();
  for (const auto& s : p.sinks) j["sinks"].push_back(component_json(s, library));
  j["dead_letter"] = {{"enabled", p.dead_letter.enabled},
                      {"include_refused_requests", p.dead_letter.include_refused_requests}};
  if (p.dead_letter.enabled) j["dead_letter"]["sink"] = component_json(p.dead_letter.sink, library);
  return j.dump();  // nlohmann::json keeps object keys sorted: the text is canonical
}

std::string pipeline_config_hash(const PipelineConfig& pipeline, const LibraryIdentity& library) {
  std::uint64_t h = 14695981039346656037ull;
  for (const unsigned char c : pipeline_config_text(pipeline, library)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

}  // namespace sluice::config
