// Output paths that would clobber an input, or each other.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace forescale::app {

// Fails when a non-empty output path (named by its flag: {"--out", path}) is the same file as
// another output or as any input; "-" (stdout) and empty paths are never compared.
Result<void> CheckOutputsApart(const std::vector<std::pair<std::string, std::string>>& outputs,
                               const std::vector<std::string>& inputs);

}  // namespace forescale::app
