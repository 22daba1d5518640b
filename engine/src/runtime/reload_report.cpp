#include "runtime/reload_report.hpp"

#include <nlohmann/json.hpp>

namespace sluice::runtime {

std::string ReloadReport::json() const {
  nlohmann::json j;
  j["result"] = ok ? "ok" : "failed";
  if (ok) {
    j["unchanged"] = unchanged;
    j["changed"] = changed;
    j["added"] = added;
    j["removed"] = removed;
    if (!drain_timed_out.empty()) j["drain_timed_out"] = drain_timed_out;
  }
  j["errors"] = nlohmann::json::array();
  for (const auto& e : errors) {
    j["errors"].push_back({{"file", e.at.file},
                           {"line", e.at.line},
                           {"column", e.at.column},
                           {"where", e.where},
                           {"message", e.message},
                           {"text", e.format()}});
  }
  return j.dump();
}

namespace {
void part(std::string& out, std::size_t n, const char* what, const std::vector<std::string>& names) {
  if (!out.empty()) out += ", ";
  out += std::to_string(n) + " " + what;
  if (names.empty()) return;
  out += " (";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  out += ")";
}
}  // namespace

std::string ReloadReport::summary() const {
  if (!ok) return std::to_string(errors.size()) + (errors.size() == 1 ? " error" : " errors") + "; nothing changed";
  std::string out;
  part(out, unchanged.size(), "unchanged", {});
  part(out, changed.size(), "restarted", changed);
  part(out, added.size(), "added", added);
  part(out, removed.size(), "removed", removed);
  return out;
}

}  // namespace sluice::runtime
