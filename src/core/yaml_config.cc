#include "core/yaml_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

namespace forescale {
namespace {

std::string LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? ":" + std::to_string(mark.line + 1) : "";
}

std::optional<double> ParseNumber(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

Result<YAML::Node> LoadYamlText(const std::string& text, const std::string& origin) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root || root.IsNull()) return Fail(ErrorCode::kInvalidArgument, origin + ": empty file");
    return root;
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument,
                origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

std::vector<YAML::Node> LoadAllYaml(const std::string& text) {
  // Split at document markers ("---" or "..." at the start of a line, then a space or the end),
  // and load each part on its own, led by as many newlines as lines before it so that marks
  // keep the whole text's line numbers.
  std::vector<YAML::Node> docs;
  std::string part;
  size_t part_line = 0, line = 0, pos = 0;
  bool has_content = false;
  auto flush = [&] {
    if (has_content) docs.push_back(YAML::Load(std::string(part_line, '\n') + part));
    part.clear();
    has_content = false;
  };
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view l(text.data() + pos, end - pos);
    const bool marker = (l.starts_with("---") || l.starts_with("...")) &&
                        (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker) {
      flush();
      part_line = line;
      if (l.starts_with("---")) {  // "--- value": the document starts on the marker's line
        const std::string_view rest = l.substr(3);
        part.assign(rest);
        part += '\n';
        const size_t first = rest.find_first_not_of(" \t\r");
        has_content = first != std::string_view::npos && rest[first] != '#';
      } else {
        part_line = line + 1;
      }
    } else {
      part.append(l);
      part += '\n';
      const size_t first = l.find_first_not_of(" \t\r");
      if (first != std::string_view::npos && l[first] != '#') has_content = true;
    }
    ++line;
    pos = end + 1;
  }
  flush();
  return docs;
}

Result<std::string> ReadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Fail(ErrorCode::kIo, path + ": read failed");
  return text.str();
}

Result<YAML::Node> LoadYamlFile(const std::string& path) {
  auto text = ReadConfigFile(path);
  if (!text) return std::unexpected(text.error());
  return LoadYamlText(*text, path);
}

std::unexpected<Error> YamlConfig::Bad(const YAML::Node& at, const std::string& key,
                                       const std::string& problem) const {
  return Fail(ErrorCode::kInvalidArgument,
              origin_ + LineOf(at) + ": " + (key.empty() ? "" : key + ": ") + problem);
}

Result<void> YamlConfig::Keys(const YAML::Node& node, const std::string& path,
                              std::initializer_list<const char*> known) const {
  if (!node.IsMap()) return Bad(node, path, "expected a mapping");
  std::vector<std::string> seen;
  for (const auto& item : node) {
    const std::string name = item.first.Scalar();
    // yaml-cpp keeps both of two equal keys and a lookup finds the first: the second would be
    // ignored without a word (seed: 2 then seed: 5 ran with 2).
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return Bad(item.first, Join(path, name), "given twice in one mapping");
    }
    seen.push_back(name);
    bool ok = false;
    std::string list;
    for (const char* k : known) {
      ok |= name == k;
      list += (list.empty() ? "" : ", ") + std::string(k);
    }
    if (!ok) return Bad(item.first, Join(path, name), "unknown key (expected one of: " + list + ")");
  }
  return {};
}

Result<double> YamlConfig::Number(const YAML::Node& parent, const std::string& path,
                                  const char* name, std::optional<double> fallback) const {
  const YAML::Node node = parent[name];
  const std::string key = Join(path, name);
  if (!node) {
    if (fallback) return *fallback;
    return Bad(parent, key, "missing");
  }
  if (!node.IsScalar()) return Bad(node, key, "expected a number");
  auto v = ParseNumber(node.Scalar());
  if (!v) return Bad(node, key, "expected a number, got '" + node.Scalar() + "'");
  return *v;
}

Result<int64_t> YamlConfig::Integer(const YAML::Node& parent, const std::string& path,
                                    const char* name, std::optional<int64_t> fallback) const {
  auto v = Number(parent, path, name,
                  fallback ? std::optional<double>(static_cast<double>(*fallback)) : std::nullopt);
  if (!v) return std::unexpected(v.error());
  if (*v != std::floor(*v) || std::fabs(*v) > 9e15) {
    return Bad(parent[name], Join(path, name), "expected a whole number");
  }
  return static_cast<int64_t>(*v);
}

Result<Duration> YamlConfig::Time(const YAML::Node& parent, const std::string& path,
                                  const char* name, std::optional<Duration> fallback) const {
  const YAML::Node node = parent[name];
  const std::string key = Join(path, name);
  if (!node) {
    if (fallback) return *fallback;
    return Bad(parent, key, "missing");
  }
  if (!node.IsScalar()) return Bad(node, key, "expected a duration such as 30s or 2m");
  if (node.Scalar() == "0") return Duration{0};
  auto d = ParseDuration(node.Scalar());
  if (!d) return Bad(node, key, d.error().message());
  if (d->count() < 0) return Bad(node, key, "must not be negative");
  return *d;
}

Result<bool> YamlConfig::Bool(const YAML::Node& parent, const std::string& path, const char* name,
                              std::optional<bool> fallback) const {
  const YAML::Node node = parent[name];
  const std::string key = Join(path, name);
  if (!node) {
    if (fallback) return *fallback;
    return Bad(parent, key, "missing");
  }
  const std::string& s = node.IsScalar() ? node.Scalar() : "";
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return Bad(node, key, "expected true or false");
}

Result<std::string> YamlConfig::Text(const YAML::Node& parent, const std::string& path,
                                     const char* name, std::optional<std::string> fallback) const {
  const YAML::Node node = parent[name];
  const std::string key = Join(path, name);
  if (!node) {
    if (fallback) return *fallback;
    return Bad(parent, key, "missing");
  }
  if (!node.IsScalar()) return Bad(node, key, "expected text");
  return node.Scalar();
}

Result<double> YamlConfig::Fraction(const YAML::Node& parent, const std::string& path,
                                    const char* name, std::optional<double> fallback) const {
  const YAML::Node node = parent[name];
  const std::string key = Join(path, name);
  if (!node) {
    if (fallback) return *fallback;
    return Bad(parent, key, "missing");
  }
  if (!node.IsScalar()) return Bad(node, key, "expected a fraction (0.6) or a percentage (60%)");
  std::string s = node.Scalar();
  const bool percent = !s.empty() && s.back() == '%';
  if (percent) s.pop_back();
  auto v = ParseNumber(s);
  if (!v) return Bad(node, key, "expected a fraction (0.6) or a percentage (60%), got '" +
                                    node.Scalar() + "'");
  const double f = percent ? *v / 100.0 : *v;
  if (f <= 0) return Bad(node, key, "must be positive");
  return f;
}

}  // namespace forescale
