#pragma once
// Payload text that is safe to splice into a frame: every frame must parse as JSON in a browser,
// whatever bytes a source let through (a leading BOM, bytes that are not UTF-8, text that is not
// JSON, a payload larger than a frame).

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::websocket {

// The most a frame's own text (type, epoch, seq, sentAt, the wrapper of one event) can take, so a
// payload of at most `max_frame_bytes - kFrameOverhead` always fits in a frame of its own.
inline constexpr std::size_t kFrameOverhead = 256;

// `payload` as one JSON value of at most `max_bytes`:
//   - a leading UTF-8 BOM is stripped (JSON.parse refuses it, nlohmann skips it);
//   - valid JSON is kept as it is;
//   - anything else becomes a JSON string of its bytes, invalid UTF-8 replaced by U+FFFD;
//   - what is still larger than `max_bytes` becomes {"omitted":"...","bytes":N}.
// Never throws for any bytes.
// `omitted`, when given, is set to whether the payload was replaced by the placeholder.
// `known_json`: the caller has checked the payload already (Event::json_type(), as json_validate
// does): it is not checked a second time.
std::string frame_json(std::string_view payload, std::size_t max_bytes, bool* omitted = nullptr,
                       bool known_json = false);

// Placeholder for a payload that could not be kept (too large, or not serialisable).
std::string omitted_json(const char* why, std::size_t bytes);

}  // namespace sluice::websocket
