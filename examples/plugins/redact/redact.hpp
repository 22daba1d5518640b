#pragma once
// `redact` transform (an example plugin, built only against the installed SDK): masks or removes
// the listed fields of each JSON event before it reaches a sink (an email, a card number, a
// client's address).
//
// A field is a top-level member (`email`) or a path into nested objects (`user.email`): each dot
// steps into an object member; arrays are not entered. An event that has none of the fields is
// passed on untouched, without building its DOM (Event::member_type checks the text only). An
// event whose payload is not JSON is rejected, never passed on unredacted: what cannot be read
// cannot be shown to hold no secret.

#include <string>
#include <vector>

#include "sluice/sdk.hpp"

namespace sluice_example::redact {

sluice::OptionTable redact_options();

class Redact final : public sluice::Transform {
 public:
  // The check step: every field is a non-empty dotted path without empty steps.
  static void validate(const sluice::Options& options, sluice::ValidationContext& check);
  Redact(const sluice::Options& options, sluice::Context& context);
  void process(sluice::Batch& batch) override;

 private:
  // One listed field, split at its dots: {"user", "email"}.
  using Path = std::vector<std::string>;
  // Whether `json` has a member at `path`.
  static bool holds(const nlohmann::json& json, const Path& path);
  // Masks or removes the member at `path`, which holds() found.
  void redact(nlohmann::json& json, const Path& path) const;

  std::vector<Path> paths_;
  const bool remove_;
  const std::string mask_;
};

}  // namespace sluice_example::redact
