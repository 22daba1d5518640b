// Fuzzes the pipeline file loader (engine/src/config: config_loader, env_interpolation,
// option_validation): the whole input is a pipeline file, checked against a catalog of real option
// tables (the generator and http sources, the json_validate transform, the stdout sink), compiled
// in rather than loaded from plugins. ${VAR} references read a fixed environment: FUZZ_TEXT=demo,
// FUZZ_NUMBER=5000, FUZZ_EMPTY= (empty); every other name is unset.
//
// Invariant: loading any bytes either
//   - gives a Config in which every component has a type the catalog knows and only options its
//     table declares, every pipeline a source and at least one sink, or
//   - throws ConfigErrors with at least one diagnostic, each located (line >= 1, column >= 1) and
//     with a non-empty message;
// no other exception escapes. interpolate_env on the same bytes gives text or a non-empty error,
// and text without "${" comes back unchanged.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "config/component_catalog.hpp"
#include "config/config_loader.hpp"
#include "config/env_interpolation.hpp"
#include "config_errors_check.hpp"
#include "fuzz_check.hpp"
#include "generator_source.hpp"
#include "http_source.hpp"
#include "json_validate.hpp"
#include "stdout_sink.hpp"

namespace {

using namespace sluice;
using sluice::fuzz::printable;

class Catalog final : public config::ComponentCatalog {
 public:
  Catalog() {
    add(ComponentKind::source, "generator", generator::generator_options());
    add(ComponentKind::source, "http", http::http_source_options());
    add(ComponentKind::transform, "json_validate", clicks::json_validate_options());
    add(ComponentKind::sink, "stdout", stdout_sink::stdout_options());
  }
  const ComponentSpec* find_component(ComponentKind kind, const std::string& type) const override {
    for (const auto& s : specs_) {
      if (s.kind == kind && s.type == type) return &s;
    }
    return nullptr;
  }
  std::vector<std::string> component_types(ComponentKind kind) const override {
    std::vector<std::string> names;
    for (const auto& s : specs_) {
      if (s.kind == kind) names.push_back(s.type);
    }
    return names;
  }

 private:
  void add(ComponentKind kind, std::string type, OptionTable options) {
    specs_.push_back(ComponentSpec{kind, std::move(type), "", std::move(options), {}, {}, {}, {}, {}});
  }
  std::vector<ComponentSpec> specs_;
};

std::optional<std::string> fixed_env(const std::string& name) {
  static const std::map<std::string, std::string> vars = {
      {"FUZZ_TEXT", "demo"}, {"FUZZ_NUMBER", "5000"}, {"FUZZ_EMPTY", ""}};
  const auto it = vars.find(name);
  if (it == vars.end()) return std::nullopt;
  return it->second;
}

void check_component(const Catalog& catalog, const config::ComponentConfig& c, const std::string& yaml) {
  const ComponentSpec* spec = catalog.find_component(c.kind, c.type);
  FUZZ_CHECK(spec != nullptr, "a loaded component has an unknown type '", printable(c.type), "': ", printable(yaml));
  for (const auto& [name, value] : c.options.values()) {
    FUZZ_CHECK(spec->options.find(name) != nullptr, "component '", c.type, "' was given undeclared option '",
               printable(name), "': ", printable(yaml));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Catalog catalog;
  static const config::EnvLookup env = fixed_env;
  const std::string yaml(reinterpret_cast<const char*>(data), size);

  std::string error;
  const auto interpolated = config::interpolate_env(yaml, env, error);
  FUZZ_CHECK(interpolated || !error.empty(), "interpolate_env failed without saying why");
  FUZZ_CHECK(!interpolated || yaml.find("${") != std::string::npos || *interpolated == yaml,
             "interpolate_env changed text that has no reference: ", printable(yaml));

  try {
    const config::Config config = config::load_config_string(yaml, "fuzz.yaml", catalog, env);
    FUZZ_CHECK(!config.pipelines.empty(), "a config without pipelines was accepted: ", printable(yaml));
    for (const auto& p : config.pipelines) {
      FUZZ_CHECK(!p.sinks.empty(), "pipeline '", printable(p.name), "' was accepted without sinks");
      check_component(catalog, p.source, yaml);
      for (const auto& t : p.transforms) check_component(catalog, t, yaml);
      for (const auto& s : p.sinks) check_component(catalog, s, yaml);
    }
  } catch (const config::ConfigErrors& e) {
    sluice::fuzz::check_diagnostics(e, yaml);
  } catch (const std::exception& e) {
    sluice::fuzz::violated("only ConfigErrors", "loading threw ", typeid(e).name(), ": ", e.what(),
                           "; the file: ", printable(yaml));
  }
  return 0;
}
