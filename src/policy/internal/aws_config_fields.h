// Strict reading of one JSON object of AWS configuration (parsed by yaml-cpp, so every node
// keeps its line): typed fields as the AWS service model defines them (a quoted "50" is not a
// number, 300.0 is not an integer, as the AWS CLI's own validation says), messages in the
// shape of YamlConfig's ("asg.json:12: [1].StepAdjustments[0].ScalingAdjustment: missing"),
// JSON paths in AWS's field names, and an account of the fields read so that every field left
// over is reported as a warning rather than silently dropped.
//
//   AwsReadContext ctx{reader, warnings};
//   auto doc = JsonObject::Open(node, "[0]", ctx);
//   auto target = doc->RequiredNumber("TargetValue");
//   doc->Identity({"AutoScalingGroupName", "PolicyName"});
//   doc->WarnUnread();   // "...: Foo: unknown field, ignored"
//
// JSON null reads as absent. Not thread-safe (one reader per file).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "core/yaml_config.h"

namespace forescale::policy::internal {

// The file being read and where its warnings go.
struct AwsReadContext {
  const YamlConfig& reader;
  std::vector<std::string>& warnings;

  // "origin:line: path: problem", as an error value / as a warning.
  std::unexpected<Error> Bad(const YAML::Node& at, const std::string& path,
                             const std::string& problem) const {
    return reader.Bad(at, path, problem);
  }
  void Warn(const YAML::Node& at, const std::string& path, const std::string& problem) const {
    warnings.push_back(reader.Bad(at, path, problem).error().message());
  }
};

class JsonObject {
 public:
  // `node` must be a mapping without duplicate fields; `path` is its JSON path ("" at the root).
  static Result<JsonObject> Open(const YAML::Node& node, std::string path,
                                 const AwsReadContext& context);

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  const AwsReadContext& context() const { return *context_; }
  // The path of a field of this object.
  std::string PathOf(const std::string& name) const {
    return name.empty() ? path_ : YamlConfig::Join(path_, name);
  }

  // Present and not null. Does not count as reading the field.
  bool Has(const char* name) const;
  // The field's node (the object itself when absent, so that messages point near it).
  YAML::Node At(const char* name) const;

  // Typed reads; absent (or null) gives nullopt, a wrong type is an error naming the path.
  Result<std::optional<double>> Number(const char* name);
  Result<std::optional<int64_t>> Integer(const char* name, int64_t lo, int64_t hi);
  Result<std::optional<bool>> Bool(const char* name);
  Result<std::optional<std::string>> String(const char* name);
  // "2021-06-01T00:00:00Z" (RFC 3339; AWS's scheduled action times are UTC).
  Result<std::optional<TimePoint>> Timestamp(const char* name);
  Result<std::optional<JsonObject>> Object(const char* name);
  // A list of objects / strings; absent gives an empty list.
  Result<std::vector<JsonObject>> ObjectList(const char* name);
  Result<std::vector<std::string>> StringList(const char* name);

  // The same, for fields AWS requires: absent is "missing".
  Result<double> RequiredNumber(const char* name);
  Result<int64_t> RequiredInteger(const char* name, int64_t lo, int64_t hi);
  Result<std::string> RequiredString(const char* name);
  Result<JsonObject> RequiredObject(const char* name);

  // Fields that name things (groups, policies, ARNs, descriptions, tags) or report state: they
  // do not change what the simulated policy does, so they are read without a word.
  void Identity(std::initializer_list<const char*> names);
  // Marks a field as read without reading it (its meaning was handled elsewhere).
  void MarkRead(const char* name) { read_.insert(name); }
  // An error at the field when it is present (and not null).
  Result<void> Reject(const char* name, const std::string& problem);
  // One warning per field not read: "unknown field, ignored".
  void WarnUnread();

  // Messages about a field ("" for the object itself).
  std::unexpected<Error> Bad(const char* name, const std::string& problem) const;
  void Warn(const char* name, const std::string& problem) const;

 private:
  JsonObject(YAML::Node node, std::string path, const AwsReadContext& context)
      : node_(std::move(node)), path_(std::move(path)), context_(&context) {}
  // The field's node, or an invalid node when absent or null; marks it read.
  YAML::Node Take(const char* name);

  YAML::Node node_;
  std::string path_;
  const AwsReadContext* context_;
  std::set<std::string> read_;
};

}  // namespace forescale::policy::internal
