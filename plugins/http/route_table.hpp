#pragma once
// The http source's routes, as its `routes` option declares them: which path answers what. No
// path is known to the code; the click tracker's /click, /clicks, /health and pages are lines of
// pipelines/click-tracker.yaml.
//
// A request is matched in two steps. First its path exactly against the routes that are not
// static mounts (events, health, redirect); then, for GET and HEAD, against the static mounts by
// the longest mount path that is a whole-segment prefix ("/" holds every path; "/assets" holds
// "/assets" and "/assets/x.js", not "/assetsx"). So `{path: /, action: redirect}` and
// `{path: /, action: static}` work together: "/" redirects, everything else is looked up in the
// folder. No match: 404, as before.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net_support/origin_policy.hpp"
#include "sluice/options.hpp"

#include "static_files.hpp"

namespace sluice::http {

enum class RouteAction { events, static_files, redirect, health };

struct Route {
  std::string path;
  RouteAction action = RouteAction::events;
  // events
  std::vector<std::string> methods;        // upper case: POST, PUT, PATCH
  std::vector<std::string> content_types;  // lower case, without parameters
  bool batch = false;                      // body: batch (a JSON array or NDJSON) or single
  std::shared_ptr<const OriginPolicy> origins;
  std::string allow;           // the Allow header: the methods and OPTIONS
  std::string types_in_words;  // "application/json or text/plain", for the 415 answer
  // static
  std::shared_ptr<const StaticFiles> files;
  // redirect
  std::string location;
  int status = 302;
};

class RouteTable {
 public:
  // Each problem goes to `report(option, message)`, with option "routes[i]" or "routes[i].KEY"
  // (the engine points at that item or value). Reports every problem it finds.
  using Report = std::function<void(const std::string& option, const std::string& message)>;
  static void check(const MapList& routes, const Report& report);

  // Throws ConfigError at the first problem check() would report. `static_cache`: the memory of
  // each static mount's file cache.
  RouteTable(const MapList& routes, std::size_t static_cache);

  // The events, health or redirect route for exactly this path; nullptr if none.
  const Route* exact(std::string_view path) const;
  // The static mount holding this path (longest mount path first) and the path inside its folder
  // ("/assets/x.js" under "/assets" is "/x.js"); nullptr if none.
  const Route* mount(std::string_view path, std::string& inside) const;
  std::size_t size() const { return exact_.size() + mounts_.size(); }

 private:
  std::vector<Route> exact_;
  std::vector<Route> mounts_;  // longest path first
};

}  // namespace sluice::http
