#pragma once
// What each admin path answers, apart from sockets, so it can be tested on its own: a method and
// target in, a status, content type, body and Allow header out.
//
//   GET /metrics     200, Prometheus text format 0.0.4
//   GET /health      200 {"status":"ok"}: the process answers (liveness)
//   GET /ready       200 when every pipeline runs and every sink is ready, else 503 naming what is not
//   GET /pipelines   200, each pipeline's state, configuration hash and counts
//   POST /reload     the reload handler's answer; 503 while none is wired
// HEAD works wherever GET does. A known path with another method: 405 with Allow. Anything else: 404.

#include <string>

#include <boost/beast/http/verb.hpp>

#include "admin/admin_handlers.hpp"

namespace sluice::admin {

struct AdminResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::string allow;  // for 405
};

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// `target` may carry a query string, which is ignored. A handler that throws gives a 500 whose
// body says what went wrong; the endpoint keeps serving.
AdminResponse answer(boost::beast::http::verb method, const std::string& target, const AdminHandlers& handlers);

}  // namespace sluice::admin
