#pragma once
// A component object together with what it must not outlive it: its Context (the plugin keeps a
// reference) and its library (its code). Members are destroyed bottom-up: object, then context,
// then the library reference.

#include <memory>

#include "plugins/plugin_library.hpp"
#include "sluice/component.hpp"

namespace sluice::runtime {

template <class T>
struct ComponentInstance {
  std::shared_ptr<plugins::PluginLibrary> library;
  std::unique_ptr<Context> context;
  std::unique_ptr<T> object;

  const std::string& label() const { return context->label; }

  // Same order as the destructor; plain assignment from {} would drop the library first.
  void reset() {
    object.reset();
    context.reset();
    library.reset();
  }
};

}  // namespace sluice::runtime
