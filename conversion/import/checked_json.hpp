#pragma once
// Internal: JSON read from files (Keras model_config / config.json / metadata.json, the
// calibration report of a converted network) parsed under a nesting limit, so a deeply
// nested document is a one-line InputError rather than deep recursion further on.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include <brisk/core/base/error.hpp>

namespace brisk::detail {

// Far above any real config (a Keras 3 functional model nests about 12 levels; each nested
// model adds about 5).
inline constexpr int kMaxJsonDepth = 64;

// Parses `text`; `what` names it in messages ("model.h5: model_config").
inline nlohmann::json parse_json_capped(std::string_view text, const std::string& what) {
  const auto cb = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxJsonDepth)
      throw InputError(fmt::format("{} nests deeper than {} levels", what, kMaxJsonDepth));
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), cb);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{} is not valid JSON ({})", what, e.what()));
  }
}

// A value for a message: its JSON text, cut to `max` characters.
inline std::string short_dump(const nlohmann::json& v, std::size_t max = 48) {
  std::string s = v.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

}  // namespace brisk::detail
