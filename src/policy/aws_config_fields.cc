#include "policy/internal/aws_config_fields.h"

#include <charconv>
#include <cmath>
#include <utility>

namespace forescale::policy::internal {
namespace {

// A quoted scalar ("50") is a JSON string; a plain one (50, true) a JSON number or literal.
bool IsQuoted(const YAML::Node& node) {
  return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

std::string Shown(const YAML::Node& node) {
  if (node.IsMap()) return "an object";
  if (node.IsSequence()) return "a list";
  if (IsQuoted(node)) return "the string \"" + node.Scalar() + "\"";
  return node.Scalar();
}

}  // namespace

Result<JsonObject> JsonObject::Open(const YAML::Node& node, std::string path,
                                    const AwsReadContext& context) {
  if (!node.IsMap()) {
    return context.Bad(node, path, "expected an object, got " + Shown(node));
  }
  // JSON allows a field twice and the AWS CLI keeps the last; a hand-edited file that says two
  // things is a mistake worth stopping for.
  std::set<std::string> seen;
  for (const auto& item : node) {
    const std::string name = item.first.Scalar();
    if (!seen.insert(name).second) {
      return context.Bad(item.first, YamlConfig::Join(path, name), "appears twice");
    }
  }
  return JsonObject(node, std::move(path), context);
}

bool JsonObject::Has(const char* name) const {
  const YAML::Node n = node_[name];
  return n.IsDefined() && !n.IsNull();
}

YAML::Node JsonObject::At(const char* name) const {
  const YAML::Node n = node_[name];
  return n.IsDefined() ? n : node_;
}

YAML::Node JsonObject::Take(const char* name) {
  read_.insert(name);
  // Through a const node: operator[] on a non-const node would add the field.
  const YAML::Node n = std::as_const(node_)[name];
  if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return n;
}

Result<std::optional<double>> JsonObject::Number(const char* name) {
  const YAML::Node n = Take(name);
  if (!n.IsDefined()) return std::optional<double>();
  if (n.IsScalar() && !IsQuoted(n)) {
    std::string_view s = n.Scalar();
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size() && std::isfinite(v)) return v;
  }
  return Bad(name, "expected a number, got " + Shown(n));
}

Result<std::optional<int64_t>> JsonObject::Integer(const char* name, int64_t lo, int64_t hi) {
  const YAML::Node n = Take(name);
  if (!n.IsDefined()) return std::optional<int64_t>();
  if (n.IsScalar() && !IsQuoted(n)) {
    std::string_view s = n.Scalar();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && p == s.data() + s.size()) {
      if (v < lo || v > hi) {
        return Bad(name, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                             ", got " + std::to_string(v));
      }
      return v;
    }
  }
  return Bad(name, "expected a whole number, got " + Shown(n));
}

Result<std::optional<bool>> JsonObject::Bool(const char* name) {
  const YAML::Node n = Take(name);
  if (!n.IsDefined()) return std::optional<bool>();
  if (n.IsScalar() && !IsQuoted(n)) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  return Bad(name, "expected true or false, got " + Shown(n));
}

Result<std::optional<std::string>> JsonObject::String(const char* name) {
  const YAML::Node n = Take(name);
  if (!n.IsDefined()) return std::optional<std::string>();
  if (!n.IsScalar()) return Bad(name, "expected a string, got " + Shown(n));
  return n.Scalar();
}

Result<std::optional<TimePoint>> JsonObject::Timestamp(const char* name) {
  auto text = String(name);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<TimePoint>();
  auto t = ParseRfc3339(**text);
  if (!t) {
    return Bad(name,
               "expected a UTC time such as \"2021-06-01T00:00:00Z\", got \"" + **text + "\"");
  }
  return *t;
}

Result<std::optional<JsonObject>> JsonObject::Object(const char* name) {
  const YAML::Node n = Take(name);
  if (!n.IsDefined()) return std::optional<JsonObject>();
  auto object = Open(n, PathOf(name), *context_);
  if (!object) return std::unexpected(object.error());
  return std::optional<JsonObject>(std::move(*object));
}

Result<std::vector<JsonObject>> JsonObject::ObjectList(const char* name) {
  const YAML::Node n = Take(name);
  std::vector<JsonObject> out;
  if (!n.IsDefined()) return out;
  if (!n.IsSequence()) return Bad(name, "expected a list, got " + Shown(n));
  for (size_t i = 0; i < n.size(); ++i) {
    auto object = Open(n[i], PathOf(name) + "[" + std::to_string(i) + "]", *context_);
    if (!object) return std::unexpected(object.error());
    out.push_back(std::move(*object));
  }
  return out;
}

Result<std::vector<std::string>> JsonObject::StringList(const char* name) {
  const YAML::Node n = Take(name);
  std::vector<std::string> out;
  if (!n.IsDefined()) return out;
  if (!n.IsSequence()) return Bad(name, "expected a list of strings, got " + Shown(n));
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      return context_->Bad(n[i], PathOf(name) + "[" + std::to_string(i) + "]",
                           "expected a string, got " + Shown(n[i]));
    }
    out.push_back(n[i].Scalar());
  }
  return out;
}

Result<double> JsonObject::RequiredNumber(const char* name) {
  auto v = Number(name);
  if (!v) return std::unexpected(v.error());
  if (!*v) return Bad(name, "missing");
  return **v;
}

Result<int64_t> JsonObject::RequiredInteger(const char* name, int64_t lo, int64_t hi) {
  auto v = Integer(name, lo, hi);
  if (!v) return std::unexpected(v.error());
  if (!*v) return Bad(name, "missing");
  return **v;
}

Result<std::string> JsonObject::RequiredString(const char* name) {
  auto v = String(name);
  if (!v) return std::unexpected(v.error());
  if (!*v) return Bad(name, "missing");
  return std::move(**v);
}

Result<JsonObject> JsonObject::RequiredObject(const char* name) {
  auto v = Object(name);
  if (!v) return std::unexpected(v.error());
  if (!*v) return Bad(name, "missing");
  return std::move(**v);
}

void JsonObject::Identity(std::initializer_list<const char*> names) {
  for (const char* name : names) read_.insert(name);
}

Result<void> JsonObject::Reject(const char* name, const std::string& problem) {
  read_.insert(name);
  if (Has(name)) return Bad(name, problem);
  return {};
}

void JsonObject::WarnUnread() {
  for (const auto& item : node_) {
    const std::string name = item.first.Scalar();
    if (!read_.contains(name)) {
      context_->Warn(item.first, PathOf(name), "unknown field, ignored");
    }
  }
}

std::unexpected<Error> JsonObject::Bad(const char* name, const std::string& problem) const {
  return context_->Bad(At(name), PathOf(name), problem);
}

void JsonObject::Warn(const char* name, const std::string& problem) const {
  context_->Warn(At(name), PathOf(name), problem);
}

}  // namespace forescale::policy::internal
