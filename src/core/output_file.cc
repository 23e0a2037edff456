#include "core/output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace forescale {

std::string StagingPathFor(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(path, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return path;
  }
  return path + ".tmp";
}

Result<void> FinishOutput(const std::string& staging, const std::string& path, bool ok) {
  std::error_code ec;
  if (!ok) {
    if (staging != path) std::filesystem::remove(staging, ec);
    return Fail(ErrorCode::kIo, path + ": write failed");
  }
  if (staging == path) return {};
  std::filesystem::rename(staging, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(staging, ignored);
    return Fail(ErrorCode::kIo, path + ": " + ec.message());
  }
  return {};
}

Result<void> WriteOutputFile(const std::string& path, std::string_view content) {
  const std::string staging = StagingPathFor(path);
  std::FILE* f = std::fopen(staging.c_str(), "wb");
  if (!f) return Fail(ErrorCode::kIo, path + ": cannot write: " + std::strerror(errno));
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = std::fclose(f) == 0 && ok;
  return FinishOutput(staging, path, ok);
}

}  // namespace forescale
