#pragma once
// The unit that flows through a pipeline: payload bytes, string metadata and the time the source
// received it. JSON is parsed on first request and at most once per event; a transform that edits
// the JSON marks the payload stale and the engine re-serialises it once, before the sinks.
//
// Two ways to read the JSON: json() builds nlohmann's DOM (for a transform that reads deep or
// edits); json_type() / member_type() only check the text and note its top-level members (with
// simdjson, a few hundred instructions against several thousand for the DOM and its destruction),
// which is all a validator needs, and set_member() then appends to the text without any DOM.
// member() reads one top-level value the same way: what a router, a key or a counter needs.
//
// Threading: an event belongs to one stage at a time. Sinks see events as const, inside
// Sink::write(); they must not call json() later from another thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sluice/export.hpp"

namespace sluice {

namespace detail {
struct AckGroup;  // engine-owned: who to tell when this event is delivered
struct EventAccess;
struct JsonIndex;  // event.cpp: the top-level members of a checked payload, when no DOM was built
}  // namespace detail

// The JSON type of a value, as json_type() and member_type() report it. `integer` is a number
// written without fraction or exponent (nlohmann's is_number_integer()); `absent`: no such member.
enum class JsonType : std::uint8_t { absent, null, boolean, integer, floating, string, array, object };

using Clock = std::chrono::system_clock;

// Small ordered key/value list: events carry a handful of entries, where a vector beats a map.
class SLUICE_EXPORT Metadata {
 public:
  using Entry = std::pair<std::string, std::string>;

  // nullptr when absent.
  const std::string* find(std::string_view key) const;
  // Replaces an existing entry or appends one.
  void set(std::string key, std::string value);
  bool erase(std::string_view key);
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
};

class SLUICE_EXPORT Event {
 public:
  Event();
  explicit Event(std::string payload, Clock::time_point received = Clock::now());
  // A payload with the JSON it parses to, for a source that had to parse it anyway (to refuse bad
  // input): the pipeline then does not parse it a second time. `parsed` must equal what json()
  // would give for `payload`.
  Event(std::string payload, nlohmann::json parsed, Clock::time_point received = Clock::now());
  Event(Event&&) noexcept;
  Event& operator=(Event&&) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();

  // A copy of payload and metadata, not tied to any acknowledgement (for sinks that hand events on).
  Event clone() const;

  // The payload bytes. When the JSON was edited and not yet re-serialised, this serialises it.
  std::string_view payload() const;
  void set_payload(std::string payload);

  // The payload parsed as JSON, parsed on first call. Throws EventError with the parser's reason.
  const nlohmann::json& json() const;
  // Editable JSON; the payload is re-serialised from it before the event reaches a sink.
  nlohmann::json& mutable_json();
  bool json_parsed() const { return json_ != nullptr; }
  // The type of the whole payload, checked to be a JSON text exactly as json() checks it (the same
  // EventError, with the same reason, for the same bad input), without building the DOM.
  JsonType json_type() const;
  // The type of top-level member `key`; `absent` when there is none or the payload is not an
  // object. With duplicate keys the last one counts, as in json(). Throws as json_type() does.
  JsonType member_type(std::string_view key) const;
  // The value of top-level member `key`, equal to json().at(key); nullopt when there is none or
  // the payload is not an object. A scalar member of a checked text is read with simdjson, without
  // nlohmann's DOM of the whole payload (a click: about 2k instructions against 20k); an object or
  // array member builds the DOM. Throws as json_type() does.
  std::optional<nlohmann::json> member(std::string_view key) const;
  // Sets one top-level member of a JSON object. A new member is appended to the payload text as
  // well, so the rest is not re-serialised (and keeps the sender's key order); replacing a member
  // falls back to a re-serialisation. Throws EventError when the payload is not a JSON object.
  void set_member(std::string_view key, nlohmann::json value);

  Metadata& meta() { return meta_; }
  const Metadata& meta() const { return meta_; }

  Clock::time_point received_at() const { return received_; }
  void set_received_at(Clock::time_point t) { received_ = t; }

 private:
  friend struct detail::EventAccess;

  mutable std::string payload_;
  mutable std::unique_ptr<nlohmann::json> json_;
  mutable std::unique_ptr<detail::JsonIndex> index_;  // only while json_ is null
  mutable bool payload_stale_ = false;
  Metadata meta_;
  Clock::time_point received_;
  detail::AckGroup* ack_ = nullptr;
  std::uint32_t ack_index_ = 0;  // position within the emit that created the group
};

}  // namespace sluice
