#pragma once
// JSON text written by hand for the values an event's members usually get (strings, numbers,
// booleans, null), so appending a member costs no nlohmann serializer (which calls localeconv and
// builds a serializer per dump). Internal to the SDK.

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace sluice::detail {

// Appends `text` as a JSON string: quoted, with '"', '\\' and the control characters escaped the
// way nlohmann's dump() escapes them (\b \f \n \r \t, else \u00xx), other bytes as they are.
// Throws EventError when `text` is not valid UTF-8 (JSON strings must be), as dump() would.
void append_json_string(std::string& out, std::string_view text);

// Appends `value` as JSON text. Scalars are written here (a double in its shortest form that
// reads back the same; NaN and infinities as null, as dump() writes them); arrays and objects go
// through nlohmann. Throws EventError for a string that is not valid UTF-8.
void append_json(std::string& out, const nlohmann::json& value);

}  // namespace sluice::detail
