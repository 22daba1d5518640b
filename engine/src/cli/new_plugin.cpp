#include "cli/new_plugin.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "cli/plugin_templates.hpp"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "0.0.0"
#endif

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

constexpr int kExitUsage = 2;

int refuse(const std::string& why) {
  std::cerr << "sluice new-plugin: " << why << "\n";
  return kExitUsage;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// "click_audit" and "sink" -> "ClickAuditSink".
std::string class_name(const std::string& name, const std::string& kind) {
  std::string out;
  bool upper = true;
  for (const char c : name + "_" + kind) {
    if (c == '_') {
      upper = true;
    } else {
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
  }
  return out;
}

// "0.1.0" -> "0.1": what the folder's find_package(Sluice ...) asks for.
std::string major_minor(const std::string& version) {
  const auto first = version.find('.');
  const auto second = first == std::string::npos ? first : version.find('.', first + 1);
  return version.substr(0, second);
}

// The prefix this sluice is installed in, when it holds the CMake package; empty otherwise (a
// build tree).
std::string install_prefix() {
  std::error_code ec;
  const fs::path prefix = fs::read_symlink("/proc/self/exe", ec).parent_path().parent_path();
  if (ec || !fs::exists(prefix / "lib" / "cmake" / "Sluice" / "SluiceConfig.cmake", ec)) return {};
  return prefix.string();
}

}  // namespace

int new_plugin_command(const CliArgs& args) {
  if (args.positional.empty() || args.positional.size() > 2) {
    return refuse(
        "expected a plugin name and at most one folder: sluice new-plugin NAME --kind source|transform|sink [DIR]");
  }
  const std::string& name = args.positional[0];
  // It names the library (libsluice-NAME.so), the YAML type, a C++ namespace and CMake targets.
  if (!std::regex_match(name, std::regex("[a-z][a-z0-9_]{0,39}"))) {
    return refuse("'" + name +
                  "' is not a plugin name: use 1 to 40 lowercase letters, digits and _, starting with a "
                  "letter (it becomes the YAML type and libsluice-" +
                  name + ".so)");
  }
  // The name is also the CMake target of sluice_add_plugin(): these CMake keeps for itself (CMP0037;
  // `test` once CTest is included, as the folder does), and the folder would not configure.
  for (const char* reserved : {"all", "clean", "help", "install", "install_local", "install_strip", "test", "package",
                               "package_source", "edit_cache", "rebuild_cache", "list_install_components"}) {
    if (name == reserved) return refuse("'" + name + "' is a name CMake keeps for its own targets; choose another");
  }
  if (!args.kind) return refuse("say which kind of component: --kind source, --kind transform or --kind sink");
  const std::string& kind = *args.kind;
  const auto files = plugin_templates(kind);
  if (files.empty()) return refuse("unknown kind '" + kind + "'; expected source, transform or sink");

  const fs::path dir = args.positional.size() == 2 ? fs::path(args.positional[1]) : fs::path(name);
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec)) return refuse(dir.string() + " exists and is not a folder; nothing was written");
    if (!fs::is_empty(dir, ec)) {
      return refuse(dir.string() + " is not empty; give a new or empty folder (nothing was written)");
    }
  }
  fs::create_directories(dir, ec);
  if (ec) {
    std::cerr << "sluice new-plugin: cannot create " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }

  const std::string class_ = class_name(name, kind);
  std::string written;
  for (const auto& file : files) {
    std::string text = file.text;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"@NAME@", name},
                                   {"@CLASS@", class_},
                                   {"@KIND@", kind},
                                   {"@VERSION@", major_minor(SLUICE_VERSION)}}) {
      text = replaced(text, from, to);
    }
    const std::string relative = replaced(file.path, "@NAME@", name);
    std::ofstream out(dir / relative, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::cerr << "sluice new-plugin: cannot write " << (dir / relative).string() << "\n";
      return 1;
    }
    written += (written.empty() ? "" : ", ") + relative;
  }

  const std::string prefix = install_prefix();
  const std::string d = dir.string();
  std::cout << "wrote a " << kind << " plugin '" << name << "' in " << d << "/: " << written << "\n"
            << "build it, run its test, and try it:\n"
            << "  cmake -S " << d << " -B " << d << "/build"
            << (prefix.empty() ? " -DCMAKE_PREFIX_PATH=<where Sluice is installed>" : " -DCMAKE_PREFIX_PATH=" + prefix)
            << "\n"
            << "  cmake --build " << d << "/build && ctest --test-dir " << d << "/build\n"
            << "  sluice --plugin-dir " << d << "/build/plugins run " << d << "/pipeline.yaml\n";
  return 0;
}

}  // namespace sluice::cli
