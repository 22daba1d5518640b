#pragma once
// The files `sluice new-plugin` writes: a plugin folder that builds against the installed SDK
// (find_package(Sluice)) and passes its own GoogleTest test as written. Placeholders: @NAME@ (the
// plugin and component type), @CLASS@ (the component class), @KIND@, @VERSION@ (major.minor).

#include <string>
#include <vector>

namespace sluice::cli {

struct TemplateFile {
  std::string path;  // relative to the plugin folder; may contain @NAME@
  std::string text;  // with @TEST_OPTIONS@ and @SUMMARY@ filled in
};

// The files for one kind: "source", "transform" or "sink"; empty for anything else.
std::vector<TemplateFile> plugin_templates(const std::string& kind);

}  // namespace sluice::cli
