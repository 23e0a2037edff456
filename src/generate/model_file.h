// The load model as a YAML file a user can read and edit (`forescale generate fit` writes it,
// `forescale generate profile` reads it).
//
//   # forescale load model ...
//   format: forescale-load-model/1
//   history: {step: 1m, start: 1995-07-01T00:00:00Z, end: ..., points: 30240, missing: 0}
//   level:
//     rps: 1.62                  # mean rate at the end of the history, without bursts
//     growth_per_week: 0.013
//     log_offset_rps: 0.0167
//   seasons:
//     - {period: 1d, bin: 1m, strength: 0.83, factors: [0.61, 0.6, ...]}
//   noise: {scale: {period: 1d, bin: 1h, factors: [...]}, ar: [0.41, 0.08], innovation_quantiles: [...], residual_quantiles: [...]}
//   bursts: {rate_per_day: 2.1, threshold: 0.86, height_scale: 0.2, height_shape: 0.1,
//            max_height: 2.9, decay: 2m}
//
// Numbers are written in the shortest form that reads back to the same double, so writing a
// model and reading it back generates byte-identical profiles. Reading validates: an unknown
// key, a missing key, a wrong type or an impossible value (a season whose factors do not fill
// its period, a non-positive factor) is an error naming the file, the line and the key.
#pragma once

#include <string>

#include "core/error.h"
#include "generate/load_model.h"

namespace forescale::generate {

std::string FormatModelYaml(const LoadModel& model);
Result<LoadModel> ParseModelYaml(const std::string& yaml_text, const std::string& origin);

Result<void> WriteModelFile(const LoadModel& model, const std::string& path);
Result<LoadModel> ReadModelFile(const std::string& path);

// Rounds a fitted model to what its file shows (factors to 5 significant digits and so on),
// so that the model a command fits and the model its file holds are the same values.
void RoundForFile(LoadModel& model);

}  // namespace forescale::generate
