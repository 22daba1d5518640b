#include "sluice/event.hpp"

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include <simdjson.h>
#include <nlohmann/json.hpp>

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
    case nlohmann::json::value_t::null:
      return JsonType::null;
    case nlohmann::json::value_t::boolean:
      return JsonType::boolean;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return JsonType::integer;
    case nlohmann::json::value_t::number_float:
      return JsonType::floating;
    case nlohmann::json::value_t::string:
      return JsonType::string;
    case nlohmann::json::value_t::array:
      return JsonType::array;
    case nlohmann::json::value_t::object:
      return JsonType::object;
    default:
      return JsonType::null;
  }
}

}  // namespace

namespace detail {

// What json_type() learnt from the text: the payload's type and, for an object, its top-level
// members in order, with the value of each scalar one as nlohmann would read it. member() then
// answers from here, without a second parse, however many other texts the thread has parsed in
// between (a batch checks all its events before a sink reads a key from each). set_member appends
// to it as it appends to the text.
struct JsonIndex {
  // How a member's value is held: `dom` is an object or array (or the one zero whose sign simdjson
  // does not keep), read from nlohmann's DOM when asked for.
  enum class Value : std::uint8_t { dom, null, boolean, signed_integer, unsigned_integer, floating, string };
  struct Member {
    std::uint32_t key_at = 0, key_size = 0;  // in `text`
    JsonType type = JsonType::null;
    Value value = Value::dom;
    union {
      bool boolean;
      std::int64_t signed_integer;
      std::uint64_t unsigned_integer;
      double floating;
      struct {
        std::uint32_t at, size;  // in `text`
      } string;
    } as{};
  };

  JsonType type = JsonType::null;
  // The keys and string values, unescaped, one after another: one allocation for them all.
  std::string text;
  std::vector<Member> members;

  std::string_view key(const Member& m) const { return {text.data() + m.key_at, m.key_size}; }
  // Appends `bytes` to `text`; where they start.
  std::uint32_t keep(std::string_view bytes) {
    const auto at = static_cast<std::uint32_t>(text.size());
    text += bytes;
    return at;
  }
  const Member* find(std::string_view name) const {
    for (auto it = members.rbegin(); it != members.rend(); ++it) {  // the last one counts, as in json()
      if (key(*it) == name) return &*it;
    }
    return nullptr;
  }
};

namespace {

// simdjson's types in nlohmann's terms. A negative zero read as a double ("-0.0", "-0e5",
// "-1e-400") is left to nlohmann (nullopt): the two parsers' handling of its sign is not worth
// proving equal for so rare a text. ("-0" simdjson reads as the integer 0, an integer to nlohmann
// too; member_of minds its sign.)
std::optional<JsonType> type_of(const simdjson::dom::element& v) {
  switch (v.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return JsonType::null;
    case simdjson::dom::element_type::BOOL:
      return JsonType::boolean;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
      return JsonType::integer;
    case simdjson::dom::element_type::DOUBLE: {
      const double d = v.get_double().value_unsafe();
      if (d == 0 && std::signbit(d)) return std::nullopt;
      return JsonType::floating;
    }
    case simdjson::dom::element_type::STRING:
      return JsonType::string;
    case simdjson::dom::element_type::ARRAY:
      return JsonType::array;
    case simdjson::dom::element_type::OBJECT:
      return JsonType::object;
  }
  return std::nullopt;
}

// A new entry for member `key` of type `type`; its value is the DOM's until one is held.
JsonIndex::Member entry_for(JsonIndex& index, std::string_view key, JsonType type) {
  JsonIndex::Member m;
  m.key_at = index.keep(key);
  m.key_size = static_cast<std::uint32_t>(key.size());
  m.type = type;
  return m;
}

// Holds integer `i` as nlohmann reads it from JSON text: unsigned when it is not negative.
void hold_integer(JsonIndex::Member& m, std::int64_t i) {
  if (i >= 0) {
    m.value = JsonIndex::Value::unsigned_integer;
    m.as.unsigned_integer = static_cast<std::uint64_t>(i);
  } else {
    m.value = JsonIndex::Value::signed_integer;
    m.as.signed_integer = i;
  }
}

void hold_unsigned(JsonIndex::Member& m, std::uint64_t u) {
  m.value = JsonIndex::Value::unsigned_integer;
  m.as.unsigned_integer = u;
}

void hold_string(JsonIndex& index, JsonIndex::Member& m, std::string_view text) {
  m.value = JsonIndex::Value::string;
  m.as.string = {index.keep(text), static_cast<std::uint32_t>(text.size())};
}

void hold_boolean(JsonIndex::Member& m, bool b) {
  m.value = JsonIndex::Value::boolean;
  m.as.boolean = b;
}

// The index entry of member `key` = `v` of the object `text`, its value held as nlohmann would
// parse it: a non-negative integer is unsigned there, a negative one signed.
JsonIndex::Member member_of(JsonIndex& index, const std::string& text, std::string_view key,
                            const simdjson::dom::element& v, JsonType type) {
  JsonIndex::Member m = entry_for(index, key, type);
  switch (v.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      m.value = JsonIndex::Value::null;
      break;
    case simdjson::dom::element_type::BOOL:
      hold_boolean(m, v.get_bool().value_unsafe());
      break;
    case simdjson::dom::element_type::INT64: {
      // simdjson reads "-0" as the integer 0, nlohmann as a signed zero ("0" is unsigned there):
      // with "-0" anywhere in the text, a zero is left to the DOM.
      const std::int64_t i = v.get_int64().value_unsafe();
      if (i == 0 && text.find("-0") != std::string::npos) break;
      hold_integer(m, i);
      break;
    }
    case simdjson::dom::element_type::UINT64:
      hold_unsigned(m, v.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      m.value = JsonIndex::Value::floating;
      m.as.floating = v.get_double().value_unsafe();
      break;
    case simdjson::dom::element_type::STRING:
      hold_string(index, m, v.get_string().value_unsafe());
      break;
    default:
      break;  // object, array: the DOM's
  }
  return m;
}

// One parser per thread, reused: its buffers grow to the largest payload seen, so a big one is
// let go after use rather than kept for the life of the thread.
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Held for one use of the thread's parser: a big buffer is let go when the use ends.
struct TrimAfterUse {
  simdjson::dom::parser& parser;
  ~TrimAfterUse() {
    constexpr std::size_t kKeepCapacity = 1 << 16;
    if (parser.capacity() > kKeepCapacity) parser = simdjson::dom::parser();
  }
};

// The index of `text` when simdjson takes it as JSON and nlohmann would take it the same way;
// nullptr leaves the decision (and the error message) to nlohmann's parse. simdjson refuses some
// texts nlohmann takes (nesting past 1024 levels, integers past 64 bits, a byte-order mark), which
// is harmless: nlohmann then parses. The other way round must never happen, so texts with \u
// escapes (where the two treat lone surrogates differently across versions) go to nlohmann too.
// Offsets in the index are 32-bit: a larger text goes to nlohmann as well.
std::unique_ptr<JsonIndex> index_of(const std::string& text) {
  if (text.size() > UINT32_MAX / 2 || text.find("\\u") != std::string::npos) return nullptr;
  simdjson::dom::parser& parser = thread_parser();
  const TrimAfterUse trim{parser};
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) return nullptr;
  auto index = std::make_unique<JsonIndex>();
  const auto type = type_of(root);
  if (!type) return nullptr;
  index->type = *type;
  if (index->type == JsonType::object) {
    const simdjson::dom::object object = root.get_object().value_unsafe();
    index->text.reserve(text.size() + 64);  // unescaped keys and strings are never longer; room for enrich's
    index->members.reserve(object.size() + 4);
    for (const auto field : object) {
      const auto member = type_of(field.value);
      if (!member) return nullptr;
      index->members.push_back(member_of(*index, text, field.key, field.value, *member));
    }
  }
  return index;
}

// The value an index holds for member `m`; nullopt when it is the DOM's to give.
std::optional<nlohmann::json> value_of(const JsonIndex& index, const JsonIndex::Member& m) {
  switch (m.value) {
    case JsonIndex::Value::dom:
      return std::nullopt;
    case JsonIndex::Value::null:
      return nlohmann::json(nullptr);
    case JsonIndex::Value::boolean:
      return nlohmann::json(m.as.boolean);
    case JsonIndex::Value::signed_integer:
      return nlohmann::json(m.as.signed_integer);
    case JsonIndex::Value::unsigned_integer:
      return nlohmann::json(m.as.unsigned_integer);
    case JsonIndex::Value::floating:
      return nlohmann::json(m.as.floating);
    case JsonIndex::Value::string:
      return nlohmann::json(std::string(index.text, m.as.string.at, m.as.string.size));
  }
  return std::nullopt;
}

// The index entry for a member set_member appends, with `value` as it was written.
void index_appended(JsonIndex& index, std::string_view key, const nlohmann::json& value) {
  JsonIndex::Member m = entry_for(index, key, sluice::type_of(value));
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      m.value = JsonIndex::Value::null;
      break;
    case nlohmann::json::value_t::boolean:
      hold_boolean(m, value.get<bool>());
      break;
    // As json() will read the text back: a non-negative integer is unsigned there.
    case nlohmann::json::value_t::number_integer:
      hold_integer(m, value.get<std::int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      hold_unsigned(m, value.get<std::uint64_t>());
      break;
    case nlohmann::json::value_t::string:
      hold_string(index, m, value.get_ref<const std::string&>());
      break;
    default:
      break;  // a double is read back from the DOM: the text written may round differently
  }
  index.members.push_back(m);
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
    const auto* m = index_->find(key);
    return m ? m->type : JsonType::absent;
  }
  const auto it = json_->find(key);
  return it == json_->end() ? JsonType::absent : type_of(*it);
}

std::optional<nlohmann::json> Event::member(std::string_view key) const {
  if (json_type() != JsonType::object) return std::nullopt;
  if (index_) {
    const auto* m = index_->find(key);
    if (m == nullptr) return std::nullopt;
    if (auto value = detail::value_of(*index_, *m)) return value;
  }
  const nlohmann::json& doc = json();  // an object or array member, or a text simdjson left to nlohmann
  const auto it = doc.find(key);
  if (it == doc.end()) return std::nullopt;
  return *it;
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
    detail::index_appended(*index_, key, value);
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
