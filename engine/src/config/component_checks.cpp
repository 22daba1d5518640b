#include "config/component_checks.hpp"

#include <map>

namespace sluice::config {

std::string component_where(const std::string& pipeline, const ComponentConfig& component) {
  return "pipeline '" + pipeline + "', " + component.slot + " (" + component.type + ")";
}

namespace {

struct Claim {
  SourceLocation at;
  std::string where;
};

std::string position(const SourceLocation& at) {
  return at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

// The context one component's check sees. Claims live in a map shared by the whole file.
class CheckContext final : public ValidationContext {
 public:
  CheckContext(const ComponentConfig& component, std::string where, std::map<std::string, Claim>& claims,
               std::vector<Diagnostic>& out)
      : component_(component), where_(std::move(where)), claims_(claims), out_(out) {}

  void error(const std::string& option, const std::string& message) override {
    // The table refused this value already; the check saw its default in its place.
    if (component_.refused_options.count(option)) return;
    out_.push_back({located(option), where_, message});
  }

  bool claim(const std::string& resource, const std::string& option, const std::string& what) override {
    if (component_.refused_options.count(option)) return true;  // not the value the user wrote
    const auto [it, fresh] = claims_.try_emplace(resource, Claim{located(option), where_});
    if (fresh) return true;
    error(option, what + "; the first is " + it->second.where + ", at " + position(it->second.at));
    return false;
  }

 private:
  // The option's value when the user wrote it; the component otherwise (a default, or no option).
  SourceLocation located(const std::string& option) const {
    const auto it = component_.option_at.find(option);
    return it != component_.option_at.end() ? it->second : component_.at;
  }

  const ComponentConfig& component_;
  std::string where_;
  std::map<std::string, Claim>& claims_;
  std::vector<Diagnostic>& out_;
};

void check_one(const std::string& pipeline, const ComponentConfig& component, const ComponentCatalog& catalog,
               std::map<std::string, Claim>& claims, std::vector<Diagnostic>& out) {
  if (!component.checkable) return;
  const ComponentSpec* spec = catalog.find_component(component.kind, component.type);
  if (spec == nullptr || !spec->validate) return;
  CheckContext context(component, component_where(pipeline, component), claims, out);
  try {
    spec->validate(component.options, context);
  } catch (const ConfigError& e) {  // a check may throw its last problem instead of reporting it
    context.error(e.option(), e.what());
  } catch (const std::exception& e) {
    context.error("", std::string("plugin bug: its check step threw: ") + e.what());
  }
}

}  // namespace

void run_component_checks(const Config& config, const ComponentCatalog& catalog, std::vector<Diagnostic>& out) {
  std::map<std::string, Claim> claims;
  for (const auto& p : config.pipelines) {
    check_one(p.name, p.source, catalog, claims, out);
    for (const auto& t : p.transforms) check_one(p.name, t, catalog, claims, out);
    for (const auto& s : p.sinks) check_one(p.name, s, catalog, claims, out);
    if (p.dead_letter.enabled) check_one(p.name, p.dead_letter.sink, catalog, claims, out);
  }
}

}  // namespace sluice::config
