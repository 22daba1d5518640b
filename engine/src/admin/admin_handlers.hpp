#pragma once
// What the admin endpoint answers with: a handler per route, filled by whoever owns the parts
// (the run command: the metrics registry, the engine's status, the reloader). Every handler runs
// on the admin endpoint's own thread (POST /reload on a thread of its own, since a reload drains
// pipelines), so each must be safe to call from a thread that is not the engine's. An empty
// handler answers 503 ("not available"), so the endpoint can serve before everything is wired.

#include <functional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace sluice::admin {

struct Readiness {
  bool ready = false;
  nlohmann::json body;  // names what is not ready; served as is, 200 or 503
};

struct AdminHandlers {
  std::function<std::string()> metrics;       // Prometheus text format 0.0.4
  std::function<Readiness()> ready;           // GET /ready
  std::function<nlohmann::json()> pipelines;  // GET /pipelines
  // POST /reload: the HTTP status (200, 422 for a refused file...) and a JSON body.
  std::function<std::pair<int, std::string>()> reload;
};

}  // namespace sluice::admin
