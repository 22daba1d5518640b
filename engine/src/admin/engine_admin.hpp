#pragma once
// The admin endpoint's GET /ready and GET /pipelines, answered from Engine::status().

#include "admin/admin_handlers.hpp"
#include "runtime/engine.hpp"

namespace sluice::admin {

// Ready when every pipeline is running and every sink reports ready (Sink::ready, the same test
// the http source's own /health uses). Otherwise the body names each pipeline that is not, with
// its state and the reasons its sinks give.
Readiness readiness(const std::vector<runtime::PipelineStatus>& status);
nlohmann::json pipelines_json(const std::vector<runtime::PipelineStatus>& status);

// Fills `ready` and `pipelines` of `handlers` from `engine`, which must outlive the admin server.
void serve_engine_status(AdminHandlers& handlers, const runtime::Engine& engine);

}  // namespace sluice::admin
