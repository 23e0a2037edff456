#include "core/labels.h"

namespace forescale {

std::string FormatSeriesId(std::string_view name, const Labels& labels) {
  std::string out(name);
  if (labels.empty()) return out;
  out += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += key;
    out += "=\"";
    for (char c : value) {
      if (c == '\\') out += "\\\\";
      else if (c == '"') out += "\\\"";
      else if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

Result<SeriesId> ParseSeriesId(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Fail(ErrorCode::kInvalidArgument,
                "bad series name '" + std::string(text) + "': " + std::string(why));
  };
  const size_t brace = text.find('{');
  SeriesId id;
  id.name = std::string(text.substr(0, brace));
  if (id.name.empty()) return bad("empty name");
  if (brace == std::string_view::npos) return id;
  if (text.back() != '}') return bad("labels must end with '}'");
  size_t i = brace + 1;
  const size_t end = text.size() - 1;
  while (i < end) {
    const size_t eq = text.find('=', i);
    if (eq == std::string_view::npos || eq >= end) return bad("expected key=\"value\"");
    std::string key(text.substr(i, eq - i));
    if (key.empty()) return bad("empty label key");
    if (eq + 1 >= end || text[eq + 1] != '"') return bad("label value must be quoted");
    std::string value;
    size_t j = eq + 2;
    for (; j < end && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < end) {
        ++j;
        value += text[j] == 'n' ? '\n' : text[j];
      } else {
        value += text[j];
      }
    }
    if (j >= end) return bad("unterminated label value");
    id.labels[std::move(key)] = std::move(value);
    i = j + 1;
    if (i < end && text[i] == ',') ++i;
  }
  return id;
}

}  // namespace forescale
