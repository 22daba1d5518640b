#pragma once
// What a plugin library exports: an ABI record (plain C, read before any other code of the library
// runs) and a manifest listing its components. Write one SLUICE_PLUGIN block per library:
//
//   SLUICE_PLUGIN("kafka", "Apache Kafka source and sink") {
//     manifest.add_source(kafka_source_component());
//     manifest.add_sink(kafka_sink_component());
//   }
//
// No static registrars: nothing in a plugin runs before the engine has checked its ABI record.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sluice/component.hpp"
#include "sluice/export.hpp"
#include "sluice/options.hpp"
#include "sluice/validation.hpp"

// Bumped whenever any SDK type that crosses the boundary changes layout or meaning.
// 3: AckResult::dead_lettered and ::component, Emitter::dead_letter, Delivery::reject_event.
// 4: ComponentSpec::validate, ValidationContext.
#define SLUICE_ABI_VERSION 4u

#define SLUICE_STRINGIFY_(x) #x
#define SLUICE_STRINGIFY(x) SLUICE_STRINGIFY_(x)

// The SDK passes std::string, std::function and friends across the boundary, so both sides must
// use the same C++ standard library ABI. The tag names it; engine and plugin must match exactly.
#if defined(_GLIBCXX_RELEASE)
#define SLUICE_STDLIB_TAG "libstdc++" SLUICE_STRINGIFY(_GLIBCXX_RELEASE) "-cxx11abi" SLUICE_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#elif defined(_LIBCPP_VERSION)
#define SLUICE_STDLIB_TAG "libc++" SLUICE_STRINGIFY(_LIBCPP_VERSION)
#else
#define SLUICE_STDLIB_TAG "unknown-stdlib"
#endif
#define SLUICE_TOOLCHAIN_TAG SLUICE_STDLIB_TAG "/c++" SLUICE_STRINGIFY(__cplusplus)

extern "C" {
// Plain C so it can be read whatever the library was built with.
struct sluice_abi_info {
  std::uint32_t abi_version;
  const char* toolchain;    // SLUICE_TOOLCHAIN_TAG of the build
  const char* library;      // short name, e.g. "kafka"
  const char* description;  // one line
};
}

namespace sluice {

enum class ComponentKind { source, transform, sink };
SLUICE_EXPORT const char* component_kind_name(ComponentKind kind);

template <class T>
using Factory = std::function<std::unique_ptr<T>(const Options&, Context&)>;

struct ComponentSpec {
  ComponentKind kind = ComponentKind::source;
  std::string type;     // the name used in YAML `type:`
  std::string summary;  // one line, for `sluice plugins`
  OptionTable options;
  Factory<Source> make_source;
  Factory<Transform> make_transform;
  Factory<Sink> make_sink;
  // The component's check step (sluice/validation.hpp); empty when the option table says it all.
  // Called by `validate` and `run` before any component is created, once every required option is
  // there; a value the table refused (type, range, choice) reads as its default.
  ComponentCheck validate;
};

class PluginManifest {
 public:
  void add(ComponentSpec spec) { components_.push_back(std::move(spec)); }
  const std::vector<ComponentSpec>& components() const { return components_; }

 private:
  std::vector<ComponentSpec> components_;
};

namespace detail {
// A component class's `static void validate(const Options&, ValidationContext&)`, when it has one.
template <class T>
void add_check(ComponentSpec& spec) {
  if constexpr (requires(const Options& o, ValidationContext& c) { T::validate(o, c); }) {
    spec.validate = [](const Options& o, ValidationContext& c) { T::validate(o, c); };
  }
}
}  // namespace detail

// Helpers that keep a component's declaration next to its class. A class with a static
// `validate(const Options&, ValidationContext&)` gets it as its check step.
template <class T>
ComponentSpec source_component(std::string type, std::string summary, OptionTable options) {
  ComponentSpec s{ComponentKind::source, std::move(type), std::move(summary), std::move(options), {}, {}, {}, {}};
  s.make_source = [](const Options& o, Context& c) -> std::unique_ptr<Source> { return std::make_unique<T>(o, c); };
  detail::add_check<T>(s);
  return s;
}
template <class T>
ComponentSpec transform_component(std::string type, std::string summary, OptionTable options) {
  ComponentSpec s{ComponentKind::transform, std::move(type), std::move(summary), std::move(options), {}, {}, {}, {}};
  s.make_transform = [](const Options& o, Context& c) -> std::unique_ptr<Transform> { return std::make_unique<T>(o, c); };
  detail::add_check<T>(s);
  return s;
}
template <class T>
ComponentSpec sink_component(std::string type, std::string summary, OptionTable options) {
  ComponentSpec s{ComponentKind::sink, std::move(type), std::move(summary), std::move(options), {}, {}, {}, {}};
  s.make_sink = [](const Options& o, Context& c) -> std::unique_ptr<Sink> { return std::make_unique<T>(o, c); };
  detail::add_check<T>(s);
  return s;
}

}  // namespace sluice

#define SLUICE_PLUGIN_ABI_SYMBOL "sluice_plugin_abi"
#define SLUICE_PLUGIN_MANIFEST_SYMBOL "sluice_plugin_manifest"

#define SLUICE_PLUGIN(LIBRARY, DESCRIPTION)                                                  \
  extern "C" SLUICE_EXPORT const ::sluice_abi_info* sluice_plugin_abi() {                    \
    static constexpr ::sluice_abi_info info{SLUICE_ABI_VERSION, SLUICE_TOOLCHAIN_TAG, LIBRARY, \
                                            DESCRIPTION};                                    \
    return &info;                                                                            \
  }                                                                                          \
  static void sluice_describe_plugin(::sluice::PluginManifest& manifest);                   \
  extern "C" SLUICE_EXPORT void sluice_plugin_manifest(::sluice::PluginManifest& manifest) { \
    sluice_describe_plugin(manifest);                                                        \
  }                                                                                          \
  static void sluice_describe_plugin(::sluice::PluginManifest& manifest)
