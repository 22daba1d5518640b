#include "sluice/component.hpp"

#include "sluice/plugin.hpp"

namespace sluice {

Source::~Source() = default;
Transform::~Transform() = default;
Sink::~Sink() = default;

const char* component_kind_name(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::source:
      return "source";
    case ComponentKind::transform:
      return "transform";
    case ComponentKind::sink:
      return "sink";
  }
  return "component";
}

Delivery& Delivery::operator=(Delivery&& other) noexcept {
  if (this != &other) {
    if (target_) fail("sink replaced an unanswered delivery");
    target_ = std::move(other.target_);
    slot_ = other.slot_;
    failures_ = std::move(other.failures_);
  }
  return *this;
}

Delivery::~Delivery() {
  if (target_) fail("the sink was destroyed before it confirmed delivery");
}

void Delivery::fail_event(std::size_t index, std::string reason) {
  if (target_) failures_.push_back({index, std::move(reason), false});
}

void Delivery::reject_event(std::size_t index, std::string reason) {
  if (target_) failures_.push_back({index, std::move(reason), true});
}

void Delivery::complete() {
  if (auto target = std::move(target_)) target->settle(slot_, std::move(failures_), {});
}

void Delivery::fail(std::string reason) {
  if (reason.empty()) reason = "sink failed";
  if (auto target = std::move(target_)) target->settle(slot_, {}, std::move(reason));
}

}  // namespace sluice
