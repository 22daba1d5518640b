#include "admin/admin_routes.hpp"

#include <array>

namespace sluice::admin {
namespace {

using boost::beast::http::verb;
using nlohmann::json;

constexpr const char* kJson = "application/json";

AdminResponse json_response(int status, const json& body) {
  // `replace`: a label or an error text that is not UTF-8 still gives valid JSON.
  return {status, kJson, body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", ""};
}

AdminResponse not_available(const std::string& what) {
  return json_response(503, {{"error", what + " not available"}});
}

struct RouteInfo {
  const char* path;
  bool post;  // POST /reload; every other route is GET (and HEAD)
};
constexpr std::array<RouteInfo, 5> kRoutes{{
    {"/metrics", false},
    {"/health", false},
    {"/ready", false},
    {"/pipelines", false},
    {"/reload", true},
}};

AdminResponse route(const std::string& path, const AdminHandlers& h) {
  if (path == "/metrics") {
    if (!h.metrics) return not_available("metrics");
    return {200, kPrometheusContentType, h.metrics(), ""};
  }
  if (path == "/health") return json_response(200, {{"status", "ok"}});
  if (path == "/ready") {
    if (!h.ready) return not_available("readiness");
    Readiness r = h.ready();
    return json_response(r.ready ? 200 : 503, r.body);
  }
  if (path == "/pipelines") {
    if (!h.pipelines) return not_available("pipeline status");
    return json_response(200, h.pipelines());
  }
  // "/reload"
  if (!h.reload) return not_available("reload");
  auto [status, body] = h.reload();
  if (status < 100 || status > 599) status = 500;  // a handler bug must still give valid HTTP
  return {status, kJson, body.empty() || body.back() != '\n' ? body + "\n" : body, ""};
}

}  // namespace

AdminResponse answer(verb method, const std::string& target, const AdminHandlers& handlers) {
  const std::string path = target.substr(0, target.find('?'));
  for (const auto& r : kRoutes) {
    if (path != r.path) continue;
    const bool allowed = r.post ? method == verb::post : (method == verb::get || method == verb::head);
    if (!allowed) {
      const char* allow = r.post ? "POST" : "GET, HEAD";
      AdminResponse res = json_response(405, {{"error", std::string("use ") + allow + " on " + path}});
      res.allow = allow;
      return res;
    }
    try {
      return route(path, handlers);
    } catch (const std::exception& e) {
      return json_response(500, {{"error", std::string(path) + " failed: " + e.what()}});
    }
  }
  return json_response(404, {{"error",
                              "no such path; the admin endpoint serves GET /metrics, /health, /ready, "
                              "/pipelines and POST /reload"}});
}

}  // namespace sluice::admin
