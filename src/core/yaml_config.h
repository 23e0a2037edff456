// Reading hand-written YAML configuration (service models, policies, scenarios) strictly:
// every error names the file, the line and the key ("service.yaml:7: replicas.max: must be
// >= replicas.min"), unknown keys are errors (a typo must not silently fall back to a default),
// and numbers, durations and booleans are checked where they are read.
//
//   auto root = LoadYamlFile("service.yaml");
//   YamlConfig config("service.yaml");
//   if (auto ok = config.Keys(*root, "", {"name", "replicas"}); !ok) return ok.error();
//   Result<double> target = config.Number(*root, "", "target_utilisation", 0.6);
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace forescale {

// The whole file as text; kNotFound when it cannot be opened, kIo when reading fails. For
// parsers that want the text (and so their own line numbers) rather than a YAML node.
Result<std::string> ReadConfigFile(const std::string& path);

// Parses a whole file; the error names the file and the line of a syntax error.
Result<YAML::Node> LoadYamlFile(const std::string& path);
Result<YAML::Node> LoadYamlText(const std::string& text, const std::string& origin);
// Every non-empty document of a multi-document text (`---`), with the line
// numbers of the whole text. Use this, never YAML::LoadAll: yaml-cpp 0.7's LoadAll loops forever
// on some malformed input (a document opening with a stray `,`), where Load reports an error.
std::vector<YAML::Node> LoadAllYaml(const std::string& text);  // throws YAML::Exception

class YamlConfig {
 public:
  explicit YamlConfig(std::string origin) : origin_(std::move(origin)) {}
  const std::string& origin() const { return origin_; }

  // "origin:line: key: problem" as an error value.
  std::unexpected<Error> Bad(const YAML::Node& at, const std::string& key,
                             const std::string& problem) const;

  // `node` must be a mapping whose keys are all in `known`.
  Result<void> Keys(const YAML::Node& node, const std::string& path,
                    std::initializer_list<const char*> known) const;

  // Typed reads of `parent[name]`; `path` is where `parent` sits ("" at the root) and only
  // builds messages. With a fallback, a missing key yields it; without one, it is an error.
  Result<double> Number(const YAML::Node& parent, const std::string& path, const char* name,
                        std::optional<double> fallback = std::nullopt) const;
  Result<int64_t> Integer(const YAML::Node& parent, const std::string& path, const char* name,
                          std::optional<int64_t> fallback = std::nullopt) const;
  // "2m", "30s", "1h30m"; a bare number is rejected as ambiguous.
  Result<Duration> Time(const YAML::Node& parent, const std::string& path, const char* name,
                        std::optional<Duration> fallback = std::nullopt) const;
  Result<bool> Bool(const YAML::Node& parent, const std::string& path, const char* name,
                    std::optional<bool> fallback = std::nullopt) const;
  Result<std::string> Text(const YAML::Node& parent, const std::string& path, const char* name,
                           std::optional<std::string> fallback = std::nullopt) const;
  // A percentage written "60%" or a fraction "0.6"; returned as a fraction.
  Result<double> Fraction(const YAML::Node& parent, const std::string& path, const char* name,
                          std::optional<double> fallback = std::nullopt) const;

  static std::string Join(const std::string& path, const std::string& name) {
    return path.empty() ? name : path + "." + name;
  }

 private:
  std::string origin_;
};

}  // namespace forescale
