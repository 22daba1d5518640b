#pragma once
// `--name value` command-line flags for the load tools: small enough not to need a library, strict
// enough that a typo stops the run instead of measuring the wrong thing.

#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>

namespace bench {

class Flags {
 public:
  Flags(int argc, char** argv, std::map<std::string, std::string> defaults) : values_(std::move(defaults)) {
    for (int i = 1; i < argc; ++i) {
      std::string name = argv[i];
      if (name.rfind("--", 0) != 0 || i + 1 >= argc) fail("expected --name value, got '" + name + "'");
      name = name.substr(2);
      if (!values_.count(name)) fail("unknown flag --" + name);
      values_[name] = argv[++i];
    }
  }
  std::string str(const std::string& name) const { return values_.at(name); }
  long long num(const std::string& name) const {
    const std::string& v = values_.at(name);
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0') fail("--" + name + " wants a whole number, got '" + v + "'");
    return n;
  }
  double real(const std::string& name) const {
    const std::string& v = values_.at(name);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0') fail("--" + name + " wants a number, got '" + v + "'");
    return d;
  }

 private:
  [[noreturn]] static void fail(const std::string& why) {
    std::cerr << "error: " << why << "\n";
    std::exit(2);
  }
  std::map<std::string, std::string> values_;
};

// host:port/path → parts; the path defaults to "/".
struct Target {
  std::string host, port, path;
};
inline Target parse_target(const std::string& s) {
  Target t;
  const auto slash = s.find('/');
  const std::string hostport = s.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : s.substr(slash);
  const auto colon = hostport.rfind(':');
  t.host = hostport.substr(0, colon);
  t.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
  return t;
}

}  // namespace bench
