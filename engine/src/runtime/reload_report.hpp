#pragma once
// What a reload did, or why it was refused: for the log, `sluice_reloads_total` and the answer of
// POST /reload (cli/reloader.hpp).

#include <string>
#include <vector>

#include "config/diagnostics.hpp"

namespace sluice::runtime {

struct ReloadReport {
  bool ok = true;  // false: refused, nothing changed (errors say why)
  std::vector<std::string> unchanged;
  std::vector<std::string> changed;  // drained and started again on the new configuration
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<config::Diagnostic> errors;
  // Pipelines whose old instance did not drain within shutdown_timeout: what was left was nacked.
  std::vector<std::string> drain_timed_out;

  // {"result":"ok","unchanged":[...],"changed":[...],"added":[...],"removed":[...]} or
  // {"result":"failed","errors":[{"file","line","column","where","message"},...]}
  std::string json() const;
  // One line for the log: "2 unchanged, 1 changed (x), ..."
  std::string summary() const;
};

}  // namespace sluice::runtime
