#include "sluice/event.hpp"

#include <atomic>
#include <cmath>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "json_text.hpp"
#include "sluice/errors.hpp"

namespace sluice {
namespace {

// nlohmann prefixes "[json.exception.parse_error.101] "; users need only the rest.
std::string reason_of(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
  return what;
}

// A document can hold what JSON cannot carry (a string that is not UTF-8, set by a transform from
// a header): that is the event's fault, so it becomes an EventError, not a failure of the batch.
std::string dump(const nlohmann::json& doc) {
  try {
    return doc.dump();
  } catch (const nlohmann::json::type_error& e) {
    throw EventError("cannot serialise the edited JSON: " + reason_of(e));
  }
}

// nlohmann's lexer takes a NUL byte for the end of its input, so `{"a":1}<NUL>junk` would parse
// and the junk stay in the payload. JSON has no raw NUL anywhere: the text is refused instead.
void refuse_nul(const std::string& text) {
  if (const auto nul = text.find('\0'); nul != std::string::npos) {
    throw EventError("invalid JSON: a NUL byte at offset " + std::to_string(nul));
  }
}

// Appends member `key`: `value` before the closing brace of the object text `payload` (its last
// non-blank character), written by hand (json_text.hpp): nlohmann's dump costs thousands of
// instructions. `first`: the object has no member yet, so no comma.
// The member is written straight into the payload (no string of its own to build and insert);
// should the value not serialise (invalid UTF-8), the payload is put back as it was.
void append_member(std::string& payload, std::string_view key, const nlohmann::json& value, bool first) {
  const auto brace = payload.find_last_not_of(" \t\r\n");
  const std::string tail = payload.substr(brace);  // "}" and any blanks after it (usually no allocation)
  payload.resize(brace);
  try {
    if (!first) payload += ',';
    detail::append_json_string(payload, key);
    payload += ':';
    detail::append_json(payload, value);
  } catch (...) {
    payload.resize(brace);
    payload += tail;
    throw;
  }
  payload += tail;
}

JsonType type_of(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return JsonType::null;
    case nlohmann::json::value_t::boolean: return JsonType::boolean;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return JsonType::integer;
    case nlohmann::json::value_t::number_float: return JsonType::floating;
    case nlohmann::json::value_t::string: return JsonType::string;
    case nlohmann::json::value_t::array: return JsonType::array;
    case nlohmann::json::value_t::object: return JsonType::object;
    default: return JsonType::null;
  }
}

}  // namespace

namespace detail {

// What json_type() learnt from the text: the payload's type and, for an object, its top-level
// keys (unescaped) with their types, in order. set_member appends to it as it appends to the text.
struct JsonIndex {
  JsonType type = JsonType::null;
  std::vector<std::pair<std::string, JsonType>> members;
  // The parse (a number no other parse in the process gets) whose document is of this text, or 0
  // once the text changed (set_member). Only the thread that did that parse still holds it, and
  // only until its next parse. Atomic: member() is const, and two sinks may call it on the same
  // event at once; relaxed is enough, as each thread only ever matches a number it wrote itself.
  std::atomic<std::uint64_t> parse{0};
};

namespace {

// simdjson's types in nlohmann's terms. A negative zero read as a double ("-0.0", "-0e5",
// "-1e-400") is left to nlohmann (nullopt): the two parsers' handling of its sign is not worth
// proving equal for so rare a text. ("-0" simdjson reads as the integer 0, an integer to nlohmann
// too; scalar_member minds its sign.)
std::optional<JsonType> type_of(const simdjson::dom::element& v) {
  switch (v.type()) {
    case simdjson::dom::element_type::NULL_VALUE: return JsonType::null;
    case simdjson::dom::element_type::BOOL: return JsonType::boolean;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: return JsonType::integer;
    case simdjson::dom::element_type::DOUBLE: {
      const double d = v.get_double().value_unsafe();
      if (d == 0 && std::signbit(d)) return std::nullopt;
      return JsonType::floating;
    }
    case simdjson::dom::element_type::STRING: return JsonType::string;
    case simdjson::dom::element_type::ARRAY: return JsonType::array;
    case simdjson::dom::element_type::OBJECT: return JsonType::object;
  }
  return std::nullopt;
}

// One parser per thread, reused: its buffers grow to the largest payload seen, so a big one is
// let go after use rather than kept for the life of the thread. The document it parsed last stays
// in it until the next parse: a JsonIndex notes which parse it came from, so member() right after
// json_type() of the same unchanged text (aggregate reads two members of the click it just
// checked) reads that document instead of parsing the text again. Parse numbers come from one
// process-wide counter, so an index can never match another thread's parse, nor the parse of a
// later thread that got the same thread-local storage.
std::atomic<std::uint64_t> parses_so_far{0};

struct ThreadParser {
  simdjson::dom::parser parser;
  simdjson::dom::element root;  // of parse number `current`
  std::uint64_t current = 0;    // 0: no document held

  // Parses `text` into root; false when simdjson refuses it.
  bool parse(const std::string& text) {
    current = parses_so_far.fetch_add(1, std::memory_order_relaxed) + 1;
    if (parser.parse(text.data(), text.size()).get(root) == simdjson::SUCCESS) return true;
    current = 0;
    return false;
  }
  void trim() {
    constexpr std::size_t kKeepCapacity = 1 << 16;
    if (parser.capacity() > kKeepCapacity) {
      parser = simdjson::dom::parser();
      current = 0;  // the document went with the buffers
    }
  }
};

ThreadParser& thread_parser() {
  thread_local ThreadParser p;
  return p;
}

// Held for one use of the thread's parser: a big buffer is let go when the use ends.
struct TrimAfterUse {
  ThreadParser& tp;
  ~TrimAfterUse() { tp.trim(); }
};

// The index of `text` when simdjson takes it as JSON and nlohmann would take it the same way;
// nullptr leaves the decision (and the error message) to nlohmann's parse. simdjson refuses some
// texts nlohmann takes (nesting past 1024 levels, integers past 64 bits, a byte-order mark), which
// is harmless: nlohmann then parses. The other way round must never happen, so texts with \u
// escapes (where the two treat lone surrogates differently across versions) go to nlohmann too.
std::unique_ptr<JsonIndex> index_of(const std::string& text) {
  if (text.find("\\u") != std::string::npos) return nullptr;
  ThreadParser& tp = thread_parser();
  const TrimAfterUse trim{tp};
  if (!tp.parse(text)) return nullptr;
  auto index = std::make_unique<JsonIndex>();
  const auto type = type_of(tp.root);
  if (!type) return nullptr;
  index->type = *type;
  if (index->type == JsonType::object) {
    const simdjson::dom::object object = tp.root.get_object().value_unsafe();
    index->members.reserve(object.size() + 4);  // room for what enrich appends
    for (const auto field : object) {
      const auto member = type_of(field.value);
      if (!member) return nullptr;
      index->members.emplace_back(field.key, *member);
    }
  }
  index->parse.store(tp.current, std::memory_order_relaxed);
  return index;
}

// Top-level scalar member `key` (the last of that name) of the text `index` was made from, as
// nlohmann would have parsed it: a non-negative integer is unsigned there. nullopt for an object
// or array, which the caller reads from the DOM, and for the one value simdjson cannot tell apart.
std::optional<nlohmann::json> scalar_member(const std::string& text, JsonIndex& index, std::string_view key) {
  ThreadParser& tp = thread_parser();
  const TrimAfterUse trim{tp};
  const std::uint64_t parse = index.parse.load(std::memory_order_relaxed);
  if (parse == 0 || parse != tp.current) {
    if (!tp.parse(text)) return std::nullopt;
    index.parse.store(tp.current, std::memory_order_relaxed);
  }
  simdjson::dom::object object;
  if (tp.root.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  std::optional<simdjson::dom::element> last;
  for (const auto field : object) {
    if (field.key == key) last = field.value;
  }
  if (!last) return std::nullopt;
  const simdjson::dom::element v = *last;
  switch (v.type()) {
    case simdjson::dom::element_type::NULL_VALUE: return nlohmann::json(nullptr);
    case simdjson::dom::element_type::BOOL: return nlohmann::json(v.get_bool().value_unsafe());
    case simdjson::dom::element_type::INT64: {
      // simdjson reads "-0" as the integer 0, nlohmann as a signed zero ("0" is unsigned there):
      // with "-0" anywhere in the text, a zero is left to the DOM.
      const std::int64_t i = v.get_int64().value_unsafe();
      if (i == 0 && text.find("-0") != std::string::npos) return std::nullopt;
      return i >= 0 ? nlohmann::json(static_cast<std::uint64_t>(i)) : nlohmann::json(i);
    }
    case simdjson::dom::element_type::UINT64: return nlohmann::json(v.get_uint64().value_unsafe());
    case simdjson::dom::element_type::DOUBLE: return nlohmann::json(v.get_double().value_unsafe());
    case simdjson::dom::element_type::STRING: return nlohmann::json(std::string(v.get_string().value_unsafe()));
    default: return std::nullopt;
  }
}

}  // namespace
}  // namespace detail

const std::string* Metadata::find(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Metadata::set(std::string key, std::string value) {
  for (auto& [k, v] : entries_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

bool Metadata::erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

Event::Event() : received_(Clock::now()) {}
Event::Event(std::string payload, Clock::time_point received) : payload_(std::move(payload)), received_(received) {}
Event::Event(std::string payload, nlohmann::json parsed, Clock::time_point received)
    : payload_(std::move(payload)), json_(std::make_unique<nlohmann::json>(std::move(parsed))), received_(received) {}
Event::Event(Event&&) noexcept = default;
Event& Event::operator=(Event&&) noexcept = default;
Event::~Event() = default;

Event Event::clone() const {
  Event copy(std::string(payload()), received_);
  copy.meta_ = meta_;
  return copy;
}

std::string_view Event::payload() const {
  if (payload_stale_) {
    payload_ = dump(*json_);
    payload_stale_ = false;
  }
  return payload_;
}

void Event::set_payload(std::string payload) {
  payload_ = std::move(payload);
  payload_stale_ = false;
  json_.reset();
  index_.reset();
}

JsonType Event::json_type() const {
  if (index_) return index_->type;
  // A document handed in with the payload (Event(payload, parsed)) may come from nlohmann, which
  // stops at a NUL: `{}<NUL>junk` parses as {}. The text is what sinks send, so it decides, as in
  // json(); an edited DOM (stale text) is re-serialised before any sink and cannot hold a raw NUL.
  if (!payload_stale_) refuse_nul(payload_);
  if (!json_) index_ = detail::index_of(payload_);
  if (index_) return index_->type;
  return type_of(json());  // builds the DOM, or throws why the text is not JSON
}

JsonType Event::member_type(std::string_view key) const {
  if (json_type() != JsonType::object) return JsonType::absent;
  if (index_) {
    const auto& members = index_->members;
    for (auto it = members.rbegin(); it != members.rend(); ++it) {
      if (it->first == key) return it->second;
    }
    return JsonType::absent;
  }
  const auto it = json_->find(key);
  return it == json_->end() ? JsonType::absent : type_of(*it);
}

std::optional<nlohmann::json> Event::member(std::string_view key) const {
  const JsonType type = member_type(key);
  if (type == JsonType::absent) return std::nullopt;
  if (index_ && type != JsonType::object && type != JsonType::array) {
    if (auto value = detail::scalar_member(payload_, *index_, key)) return value;
  }
  const nlohmann::json& doc = json();
  return *doc.find(key);
}

const nlohmann::json& Event::json() const {
  if (!json_) {
    index_.reset();
    refuse_nul(payload_);
    try {
      json_ = std::make_unique<nlohmann::json>(nlohmann::json::parse(payload_));
    } catch (const nlohmann::json::exception& e) {  // out_of_range too: a number too large for a double
      throw EventError("invalid JSON: " + reason_of(e));
    }
  }
  return *json_;
}

nlohmann::json& Event::mutable_json() {
  (void)json();
  index_.reset();
  payload_stale_ = true;
  return *json_;
}

void Event::set_member(std::string_view key, nlohmann::json value) {
  if (json_type() != JsonType::object) throw EventError("expected a JSON object");
  if (index_ && member_type(key) == JsonType::absent) {
    // Checked text and a new member: append it to the text alone, no DOM.
    append_member(payload_, key, value, index_->members.empty());
    index_->members.emplace_back(key, type_of(value));
    index_->parse.store(0, std::memory_order_relaxed);  // the parsed document is of the text before this member
    return;
  }
  (void)json();
  nlohmann::json& doc = *json_;
  if (!doc.is_object()) throw EventError("expected a JSON object");
  auto it = doc.find(key);
  if (it != doc.end() || payload_stale_) {
    doc[std::string(key)] = std::move(value);
    payload_stale_ = true;
    return;
  }
  // The payload parsed as an object, so it ends with the object's closing brace.
  append_member(payload_, key, value, doc.empty());
  doc.emplace(std::string(key), std::move(value));
}

}  // namespace sluice
