#include "app/output_paths.h"

#include <filesystem>

namespace forescale::app {

Result<void> CheckOutputsApart(const std::vector<std::pair<std::string, std::string>>& outputs,
                               const std::vector<std::string>& inputs) {
  auto same = [](const std::string& a, const std::string& b) {
    if (a.empty() || b.empty() || a == "-" || b == "-") return false;
    std::error_code ec;
    if (std::filesystem::equivalent(a, b, ec)) return true;
    const auto ca = std::filesystem::weakly_canonical(a, ec);
    if (ec) return false;
    const auto cb = std::filesystem::weakly_canonical(b, ec);
    return !ec && ca == cb;
  };
  for (size_t i = 0; i < outputs.size(); ++i) {
    const auto& [flag, path] = outputs[i];
    for (const std::string& input : inputs) {
      if (same(path, input)) {
        return Fail(ErrorCode::kInvalidArgument,
                    flag + " " + path + " is an input of this command: it would be overwritten");
      }
    }
    for (size_t j = i + 1; j < outputs.size(); ++j) {
      if (same(path, outputs[j].second)) {
        return Fail(ErrorCode::kInvalidArgument,
                    flag + " and " + outputs[j].first + " name the same file, " + path);
      }
    }
  }
  return {};
}

}  // namespace forescale::app
