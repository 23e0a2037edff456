// results.json: everything a predictive-scaling test measured, for machines (dashboards, a CI
// step that compares runs). The schema is docs/results-schema.json (JSON Schema 2020-12);
// "schema": "forescale-results/1" names its version, and fields are only ever added within it.
//
// Numbers the run could not produce (NaN, e.g. forecast_mape of a policy that does not forecast)
// are written as null, never as a made-up 0. Strings are UTF-8 (invalid bytes become U+FFFD).
// The write is atomic (PATH.tmp, then rename).
//
//   if (auto ok = WriteResultsJson(results, out_dir + "/results.json"); !ok) return ok;
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "testkit/results.h"

namespace forescale::testkit {

nlohmann::json ResultsJson(const ScenarioResults& results);
Result<void> WriteResultsJson(const ScenarioResults& results, const std::string& path);

}  // namespace forescale::testkit
