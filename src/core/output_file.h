// Writing an output file so that it appears whole or not at all.
//
// A report, a timeline or a profile is written to PATH.tmp and renamed over PATH once every
// byte is in: a reader (a CI system, a browser, a load tool) sees the old file or the new one,
// never half of one, and a failed write leaves nothing behind. A PATH that exists and is not a
// regular file (a device such as /dev/stdout or /dev/null, a FIFO, a symbolic link) is written
// in place instead: a rename would replace the device or the link with a plain file.
//
//   const std::string staging = StagingPathFor(path);
//   FILE* f = fopen(staging.c_str(), "wb");  ... write, ok &= fclose(f) == 0;
//   return FinishOutput(staging, path, ok);
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace forescale {

// PATH.tmp, or PATH itself when PATH exists and is not a regular file.
std::string StagingPathFor(const std::string& path);

// Renames `staging` over `path` when `ok`; otherwise removes it (unless it is `path` itself)
// and fails with "PATH: write failed". Errors name `path`.
Result<void> FinishOutput(const std::string& staging, const std::string& path, bool ok);

// StagingPathFor + write + FinishOutput for content already in memory.
Result<void> WriteOutputFile(const std::string& path, std::string_view content);

}  // namespace forescale
