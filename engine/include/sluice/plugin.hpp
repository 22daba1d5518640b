#pragma once
// What a plugin library exports: an ABI record, read from the file before the library is mapped,
// and a manifest listing its components. Write one SLUICE_PLUGIN block per library:
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
// 4: ComponentSpec::validate and ValidationContext; the ABI record is an ELF note (.note.sluice)
//    read from the file before the library is mapped, no longer a function.
// 5: Event holds what json_type() learnt (layout); Transform::process and Sink::write may run on
//    a source's thread that emitted into an idle pipeline (meaning).
// 6: Transform::start() and Transform::stop() (vtable); Batch::take_removals() left the SDK
//    (Batch::removals() reads them); option groups, origin_policy.hpp, listen.hpp and uuid.hpp
//    left the SDK for plugins/common (HostPolicy and OriginPolicy were exported); OptionValue
//    gains MapList (OptionType::map_list), so a std::visit over it needs the new alternative.
// 7: Context::metrics and ComponentSpec::metrics (layout); sluice/metrics.hpp: Counter, Gauge,
//    Histogram, Metrics, MetricSpec.
#define SLUICE_ABI_VERSION 7u

#define SLUICE_STRINGIFY_(x) #x
#define SLUICE_STRINGIFY(x) SLUICE_STRINGIFY_(x)

// The SDK passes std::string, std::function and friends across the boundary, so both sides must
// use the same C++ standard library ABI. The tag names it; engine and plugin must match exactly.
#if defined(_GLIBCXX_RELEASE)
#define SLUICE_STDLIB_TAG \
  "libstdc++" SLUICE_STRINGIFY(_GLIBCXX_RELEASE) "-cxx11abi" SLUICE_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#elif defined(_LIBCPP_VERSION)
#define SLUICE_STDLIB_TAG "libc++" SLUICE_STRINGIFY(_LIBCPP_VERSION)
#else
#define SLUICE_STDLIB_TAG "unknown-stdlib"
#endif
#define SLUICE_BASE_TOOLCHAIN_TAG SLUICE_STDLIB_TAG "/c++" SLUICE_STRINGIFY(__cplusplus)

// A plugin that includes sluice/asio.hpp shares Boost.Asio's types with the engine (Context::io
// crosses the boundary), so its tag also names the Boost version it was compiled against:
// "libstdc++12-cxx11abi1/c++202002L/boost1_81". The build defines SLUICE_ASIO for every file of
// such a plugin (the Sluice::asio target; sluice/asio.hpp refuses to compile without it), so the
// tag is right whichever file holds SLUICE_PLUGIN. The engine accepts a plugin tagged without
// Boost, or with its own Boost version, and refuses any other.
#if defined(SLUICE_ASIO)
#include <boost/version.hpp>
#define SLUICE_TOOLCHAIN_TAG SLUICE_BASE_TOOLCHAIN_TAG "/boost" BOOST_LIB_VERSION
#else
#define SLUICE_TOOLCHAIN_TAG SLUICE_BASE_TOOLCHAIN_TAG
#endif

// The ABI record is an ELF note in a section of its own, so the engine reads it from the file
// (engine/src/plugins/abi_note.cpp) and refuses a library without ever mapping it: no static
// initialiser of a refused library runs. Standard note layout (namesz, descsz, type, name padded
// to 4 bytes, descriptor), in the library's byte order. The descriptor starts with the ABI version,
// so any later layout can still be told apart and refused by its version alone. Strings are
// NUL-terminated inside fixed fields: a literal too long for its field does not compile.
#define SLUICE_ABI_NOTE_SECTION ".note.sluice"
#define SLUICE_ABI_NOTE_NAME "Sluice"
#define SLUICE_ABI_NOTE_TYPE 1u
#define SLUICE_ABI_TOOLCHAIN_SIZE 64
#define SLUICE_ABI_LIBRARY_SIZE 64
#define SLUICE_ABI_DESCRIPTION_SIZE 256

extern "C" {
// Plain C with fixed sizes, so it reads the same whatever the library was built with.
struct sluice_abi_descriptor {
  std::uint32_t abi_version;                      // SLUICE_ABI_VERSION of the build
  char toolchain[SLUICE_ABI_TOOLCHAIN_SIZE];      // SLUICE_TOOLCHAIN_TAG of the build
  char library[SLUICE_ABI_LIBRARY_SIZE];          // short name, e.g. "kafka"
  char description[SLUICE_ABI_DESCRIPTION_SIZE];  // one line
};
struct sluice_abi_note {
  std::uint32_t namesz;  // sizeof SLUICE_ABI_NOTE_NAME, with its NUL
  std::uint32_t descsz;  // sizeof(sluice_abi_descriptor)
  std::uint32_t type;    // SLUICE_ABI_NOTE_TYPE
  char name[8];          // SLUICE_ABI_NOTE_NAME, padded to 4 bytes
  sluice_abi_descriptor desc;
};
}
static_assert(sizeof(sluice_abi_descriptor) % 4 == 0 && sizeof(sluice_abi_note) % 4 == 0,
              "ELF notes are padded to 4 bytes");

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
  // The metrics the component makes through Context::metrics (sluice/metrics.hpp), for the docs.
  std::vector<MetricSpec> metrics;
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
  ComponentSpec s{ComponentKind::source, std::move(type), std::move(summary), std::move(options), {}, {}, {}, {}, {}};
  s.make_source = [](const Options& o, Context& c) -> std::unique_ptr<Source> { return std::make_unique<T>(o, c); };
  detail::add_check<T>(s);
  return s;
}
template <class T>
ComponentSpec transform_component(std::string type, std::string summary, OptionTable options) {
  ComponentSpec s{
      ComponentKind::transform, std::move(type), std::move(summary), std::move(options), {}, {}, {}, {}, {}};
  s.make_transform = [](const Options& o, Context& c) -> std::unique_ptr<Transform> {
    return std::make_unique<T>(o, c);
  };
  detail::add_check<T>(s);
  return s;
}
template <class T>
ComponentSpec sink_component(std::string type, std::string summary, OptionTable options) {
  ComponentSpec s{ComponentKind::sink, std::move(type), std::move(summary), std::move(options), {}, {}, {}, {}, {}};
  s.make_sink = [](const Options& o, Context& c) -> std::unique_ptr<Sink> { return std::make_unique<T>(o, c); };
  detail::add_check<T>(s);
  return s;
}

}  // namespace sluice

#define SLUICE_PLUGIN_MANIFEST_SYMBOL "sluice_plugin_manifest"

// The record alone, with every field given. SLUICE_PLUGIN writes it; the loader's test fixtures use
// it to write records this engine must refuse. `used` keeps the compiler from dropping the object
// nothing refers to; the linker keeps every note section (no --gc-sections for plugins).
#define SLUICE_PLUGIN_ABI_RECORD(ABI_VERSION, TOOLCHAIN, LIBRARY, DESCRIPTION)                                   \
  [[gnu::section(SLUICE_ABI_NOTE_SECTION), gnu::used,                                                            \
    gnu::aligned(4)]] static const ::sluice_abi_note sluice_plugin_abi_note_ {                                   \
    sizeof(SLUICE_ABI_NOTE_NAME), sizeof(::sluice_abi_descriptor), SLUICE_ABI_NOTE_TYPE, SLUICE_ABI_NOTE_NAME, { \
      ABI_VERSION, TOOLCHAIN, LIBRARY, DESCRIPTION                                                               \
    }                                                                                                            \
  }

#define SLUICE_PLUGIN(LIBRARY, DESCRIPTION)                                                  \
  SLUICE_PLUGIN_ABI_RECORD(SLUICE_ABI_VERSION, SLUICE_TOOLCHAIN_TAG, LIBRARY, DESCRIPTION);  \
  static void sluice_describe_plugin(::sluice::PluginManifest& manifest);                    \
  extern "C" SLUICE_EXPORT void sluice_plugin_manifest(::sluice::PluginManifest& manifest) { \
    sluice_describe_plugin(manifest);                                                        \
  }                                                                                          \
  static void sluice_describe_plugin(::sluice::PluginManifest& manifest)
