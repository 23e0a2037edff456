#include "policy/internal/warnings.h"

#include <fmt/format.h>

#include <mutex>
#include <set>

namespace forescale::policy::internal {

void Warn(const PolicyContext& context, std::string message) {
  if (context.warnings) {
    context.warnings->push_back(std::move(message));
    return;
  }
  static std::mutex mu;
  static std::set<std::string> said;
  std::lock_guard lock(mu);
  if (!said.insert(message).second) return;
  // No log library in the build: one plain line, as main.cc reports errors.
  fmt::print(stderr, "forescale: warning: {}\n", message);
}

}  // namespace forescale::policy::internal
