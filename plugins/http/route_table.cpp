#include "route_table.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "sluice/errors.hpp"

namespace sluice::http {

namespace {

// The keys a route may have, by action; `path` and `action` are common to all.
const std::map<std::string, std::vector<std::string>>& keys_by_action() {
  static const std::map<std::string, std::vector<std::string>> keys = {
      {"events", {"methods", "content_types", "body", "cors_origins"}},
      {"static", {"folder"}},
      {"redirect", {"location", "status"}},
      {"health", {}},
  };
  return keys;
}

std::string join(const std::vector<std::string>& items, const std::string& last_separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? last_separator : ", ";
    out += items[i];
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A path as a request's target spells it: from "/", no query or fragment, no spaces.
bool valid_path(const std::string& path) {
  if (path.empty() || path.front() != '/') return false;
  return std::none_of(path.begin(), path.end(), [](char c) {
    return c == '?' || c == '#' || std::isspace(static_cast<unsigned char>(c)) ||
           std::iscntrl(static_cast<unsigned char>(c));
  });
}

// One value of a key: nullopt (reported) when the key holds a list.
std::optional<std::string> single(const std::map<std::string, StringList>& record, const std::string& key,
                                  const std::string& name, const RouteTable::Report& report) {
  const auto it = record.find(key);
  if (it == record.end()) return std::nullopt;
  if (it->second.size() != 1) {
    report(name + "." + key, "'" + key + "' takes one value, not a list");
    return std::nullopt;
  }
  return it->second.front();
}

// Parses routes[i]; nullopt when it has a problem (reported). `cache`: 0 only checks that a static
// folder can be read.
std::optional<Route> parse_route(const std::map<std::string, StringList>& record, const std::string& name,
                                 std::size_t cache, const RouteTable::Report& report) {
  bool ok = true;
  Route route;
  const auto path = single(record, "path", name, report);
  if (!path) {
    if (!record.count("path")) report(name, "a route needs a 'path' (such as /orders)");
    ok = false;
  } else if (!valid_path(*path)) {
    report(name + ".path", "path '" + *path + "' must start with / and have no query (?), fragment (#) or spaces");
    ok = false;
  } else {
    route.path = *path;
  }
  std::vector<std::string> actions;
  for (const auto& [action, keys] : keys_by_action()) actions.push_back(action);
  const auto action = single(record, "action", name, report);
  if (!action) {
    if (!record.count("action")) report(name, "a route needs an 'action': one of " + join(actions, " or "));
    return std::nullopt;
  }
  const auto known = keys_by_action().find(*action);
  if (known == keys_by_action().end()) {
    report(name + ".action", "unknown action '" + *action + "'; expected one of " + join(actions, " or "));
    return std::nullopt;
  }
  for (const auto& [key, values] : record) {
    if (key == "path" || key == "action") continue;
    if (std::find(known->second.begin(), known->second.end(), key) != known->second.end()) continue;
    std::string owners;
    for (const auto& [other, keys] : keys_by_action()) {
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) owners = other;
    }
    const std::string allowed = known->second.empty() ? "none besides path and action" : join(known->second, " and ");
    report(name + "." + key, "'" + key + "' is not an option of a " + *action + " route" +
                                 (owners.empty() ? "" : " (it belongs to " + owners + " routes)") + "; it takes " +
                                 allowed);
    ok = false;
  }

  if (*action == "events") {
    route.action = RouteAction::events;
    const auto methods = record.find("methods");
    for (const auto& m : methods != record.end() ? methods->second : StringList{"POST"}) {
      const std::string verb = upper(m);
      if (verb != "POST" && verb != "PUT" && verb != "PATCH") {
        report(name + ".methods", "an events route takes bodies: its methods are POST, PUT or PATCH, not '" + m + "'");
        ok = false;
      } else if (std::find(route.methods.begin(), route.methods.end(), verb) == route.methods.end()) {
        route.methods.push_back(verb);
      }
    }
    if (methods != record.end() && methods->second.empty()) {
      report(name + ".methods", "an events route needs at least one method");
      ok = false;
    }
    route.allow = join(route.methods, ", ") + (route.methods.empty() ? "" : ", ") + "OPTIONS";
    const auto types = record.find("content_types");
    for (const auto& t : types != record.end() ? types->second : StringList{"application/json"}) {
      const std::string type = lower(t);
      if (type.find('/') == std::string::npos || type.find(';') != std::string::npos) {
        report(name + ".content_types", "'" + t + "' is not a media type such as application/json (no parameters)");
        ok = false;
      } else {
        route.content_types.push_back(type);
      }
    }
    if (types != record.end() && types->second.empty()) {
      report(name + ".content_types", "an events route needs at least one content type");
      ok = false;
    }
    route.types_in_words = join(route.content_types, " or ");
    if (const auto body = single(record, "body", name, report)) {
      if (*body != "single" && *body != "batch") {
        report(name + ".body",
               "body must be single (one JSON document) or batch (a JSON array or NDJSON), not '" + *body + "'");
        ok = false;
      }
      route.batch = *body == "batch";
    } else if (record.count("body")) {
      ok = false;
    }
    const auto origins = record.find("cors_origins");
    route.origins = std::make_shared<const OriginPolicy>(origins != record.end() ? origins->second : StringList{});
  } else if (*action == "static") {
    route.action = RouteAction::static_files;
    const auto folder = single(record, "folder", name, report);
    if (!folder) {
      if (!record.count("folder")) report(name, "a static route needs a 'folder' to serve");
      ok = false;
    } else {
      try {
        route.files = std::make_shared<const StaticFiles>(*folder, cache);
      } catch (const ConfigError& e) {
        report(name + ".folder", e.what());
        ok = false;
      }
    }
    // "/assets/" and "/assets" are one mount.
    while (route.path.size() > 1 && route.path.back() == '/') route.path.pop_back();
  } else if (*action == "redirect") {
    route.action = RouteAction::redirect;
    const auto location = single(record, "location", name, report);
    if (!location) {
      if (!record.count("location")) report(name, "a redirect route needs a 'location' (a path or a URL)");
      ok = false;
    } else if (location->empty() || std::any_of(location->begin(), location->end(), [](char c) {
                 return std::iscntrl(static_cast<unsigned char>(c)) || c == ' ';
               })) {
      report(name + ".location", "location '" + *location + "' must be a path or a URL without spaces");
      ok = false;
    } else if (location->substr(0, location->find_first_of("?#")) == route.path) {
      report(name + ".location", "route " + route.path + " redirects to itself");
      ok = false;
    } else {
      route.location = *location;
    }
    if (const auto status = single(record, "status", name, report)) {
      static const std::set<std::string> statuses = {"301", "302", "303", "307", "308"};
      if (!statuses.count(*status)) {
        report(name + ".status", "status must be 301, 302, 303, 307 or 308, not '" + *status + "'");
        ok = false;
      } else {
        route.status = std::stoi(*status);
      }
    } else if (record.count("status")) {
      ok = false;
    }
  } else {
    route.action = RouteAction::health;
  }
  if (!ok) return std::nullopt;
  return route;
}

// Parses every route and checks that no two claim one path; `report` gets every problem.
void parse_all(const MapList& routes, std::size_t cache, const RouteTable::Report& report, std::vector<Route>& exact,
               std::vector<Route>& mounts) {
  std::map<std::pair<bool, std::string>, std::size_t> first;  // (is a mount, path) -> its item
  if (routes.empty()) report("routes", "declare at least one route; with none, every request would get 404");
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const std::string name = "routes[" + std::to_string(i) + "]";
    auto route = parse_route(routes[i], name, cache, report);
    if (!route) continue;
    const bool mount = route->action == RouteAction::static_files;
    const auto [it, fresh] = first.try_emplace({mount, route->path}, i);
    if (!fresh) {
      report(name + ".path", std::string("duplicate path: ") + (mount ? "a static mount at " : "a route for ") +
                                 route->path + " is routes[" + std::to_string(it->second) + "] already");
      continue;
    }
    (mount ? mounts : exact).push_back(std::move(*route));
  }
  std::stable_sort(mounts.begin(), mounts.end(),
                   [](const Route& a, const Route& b) { return a.path.size() > b.path.size(); });
}

}  // namespace

void RouteTable::check(const MapList& routes, const Report& report) {
  std::vector<Route> exact;
  std::vector<Route> mounts;
  parse_all(routes, 0, report, exact, mounts);
}

RouteTable::RouteTable(const MapList& routes, std::size_t static_cache) {
  parse_all(
      routes, static_cache,
      [](const std::string& option, const std::string& message) { throw ConfigError(option, message); }, exact_,
      mounts_);
}

const Route* RouteTable::exact(std::string_view path) const {
  for (const auto& r : exact_) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

const Route* RouteTable::mount(std::string_view path, std::string& inside) const {
  for (const auto& r : mounts_) {
    if (r.path == "/") {
      inside = std::string(path);
      return &r;
    }
    if (path.substr(0, r.path.size()) != r.path) continue;
    const auto rest = path.substr(r.path.size());
    if (!rest.empty() && rest.front() != '/') continue;  // "/assetsx" is not under "/assets"
    inside = rest.empty() ? "/" : std::string(rest);
    return &r;
  }
  return nullptr;
}

}  // namespace sluice::http
