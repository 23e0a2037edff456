// Reading the generator's YAML files (load models, behaviour models): one place for the error
// format "file:line: problem". They are written through core/output_file.h.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "core/error.h"

namespace forescale::generate::internal {

inline Error YamlError(const std::string& origin, const YAML::Exception& e) {
  return Error(ErrorCode::kInvalidArgument,
               origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
}

// Parses `text`, then runs `parse(root)` (which may throw YAML exceptions on wrong types);
// any YAML error becomes one that names `origin` and the line.
template <typename Parse>
auto ParseYamlText(const std::string& text, const std::string& origin, Parse&& parse)
    -> decltype(parse(YAML::Node())) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return std::unexpected(YamlError(origin, e));
  }
  try {
    return parse(root);
  } catch (const YAML::Exception& e) {
    return std::unexpected(YamlError(origin, e));
  }
}

}  // namespace forescale::generate::internal
