// Prometheus HTTP API responses (/api/v1/query_range and /api/v1/query) as saved by
// `curl ... > file.json` or `promtool query range -o json`.
//
// The document is small next to a CSV export (the API caps a response at 11,000 points per
// series), so it is read into a DOM with nlohmann::json and walked. Only syntax errors carry a
// position (nlohmann reports a byte offset); problems in the structure name the JSON path
// ("result[2].values[17]") and use line 0. In the report, `records` counts accepted samples
// and `malformed` skipped ones.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "ingest/metric_parsers.h"

#include "ingest/internal/text.h"

namespace forescale::ingest {
namespace {

using internal::Printable;
using internal::Quote;

using Json = nlohmann::json;



uint64_t CountLines(std::string_view text) {
  if (text.empty()) return 0;
  const auto newlines = static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
  return text.back() == '\n' ? newlines : newlines + 1;
}

// nlohmann counts bytes from 1 and points at the last byte it read.
std::string Position(std::string_view text, size_t byte) {
  const size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  const std::string_view before = text.substr(0, end);
  const auto line = 1 + static_cast<uint64_t>(std::count(before.begin(), before.end(), '\n'));
  const size_t last_newline = before.rfind('\n');
  const size_t column = last_newline == std::string_view::npos ? end + 1 : end - last_newline;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Keeps nlohmann's explanation but drops its own "[json.exception...] parse error at line
// 1, column 5: " prefix, which Position() replaces.
std::string ParseErrorDetail(const Json::parse_error& e) {
  std::string_view what = e.what();
  const size_t column = what.find("column ");
  if (column != std::string_view::npos) {
    const size_t colon = what.find(": ", column);
    if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  return Printable(what, 200);
}

// Prometheus writes sample values as strings so that NaN and infinities survive JSON.
bool ParsePromValue(std::string_view text, double& out, std::string& reason) {
  switch (internal::ParseSampleValue(text, out)) {
    case internal::ValueKind::kNumber: return true;
    case internal::ValueKind::kInfinite: reason = "infinite value not stored"; return false;
    case internal::ValueKind::kBad: break;
  }
  reason = "not a number " + Quote(text);
  return false;
}

// Unix seconds; the range keeps the conversion to milliseconds exact and free of overflow.
bool ParsePromTime(const Json& t, TimePoint& out) {
  if (!t.is_number()) return false;
  const double seconds = t.get<double>();
  if (!std::isfinite(seconds) || seconds < -62135596800.0 || seconds > 253402300799.0) {
    return false;
  }
  out = TimePoint{Duration{std::llround(seconds * 1000.0)}};
  return true;
}

class Walker {
 public:
  Walker(const MetricParseOptions& options, ParseReport& report)
      : options_(options), report_(report) {}

  // Each returns false once strict mode has turned a bad sample into the error in `failure_`.
  bool Matrix(const Json& result) {
    for (size_t i = 0; i < result.size(); ++i) {
      const std::string where = "result[" + std::to_string(i) + "]";
      const Json& item = result[i];
      MetricSeries series;
      if (!item.is_object()) {
        if (!Bad(where + ": expected an object with \"metric\" and \"values\"")) return false;
        continue;
      }
      if (!Identity(item, where, series)) {
        if (!Bad(reason_)) return false;
        continue;
      }
      const auto histograms = item.find("histograms");
      if (histograms != item.end()) {
        if (!Histograms(*histograms, where + ".histograms")) return false;
      }
      if (auto it = item.find("values"); it == item.end()) {
        if (histograms == item.end() && !Bad(where + ": no \"values\"")) return false;
      } else {
        if (!it->is_array()) {
          if (!Bad(where + ".values: expected an array of [time, \"value\"]")) return false;
        } else {
          for (size_t j = 0; j < it->size(); ++j) {
            if (!Point((*it)[j], where + ".values[" + std::to_string(j) + "]", series)) {
              return false;
            }
          }
        }
      }
      Keep(std::move(series));
    }
    return true;
  }

  bool Vector(const Json& result) {
    for (size_t i = 0; i < result.size(); ++i) {
      const std::string where = "result[" + std::to_string(i) + "]";
      const Json& item = result[i];
      MetricSeries series;
      if (!item.is_object()) {
        if (!Bad(where + ": expected an object with \"metric\" and \"value\"")) return false;
        continue;
      }
      if (!Identity(item, where, series)) {
        if (!Bad(reason_)) return false;
        continue;
      }
      const bool histogram = item.contains("histogram");
      if (histogram && !Bad(where + ".histogram: native histograms are not supported")) {
        return false;
      }
      if (auto it = item.find("value"); it != item.end()) {
        if (!Point(*it, where + ".value", series)) return false;
      } else if (!histogram && !Bad(where + ": no \"value\"")) {
        return false;
      }
      Keep(std::move(series));
    }
    return true;
  }

  bool Scalar(const Json& result) {
    MetricSeries series;
    series.name = "scalar";
    if (!Point(result, "result", series)) return false;
    Keep(std::move(series));
    return true;
  }

  std::vector<MetricSeries> TakeSeries() { return std::move(series_); }
  std::optional<Error> TakeFailure() { return std::move(failure_); }

 private:
  // Reads "metric": labels, with "__name__" as the series name ("value" when absent, as for
  // the result of sum() or rate()).
  bool Identity(const Json& item, const std::string& where, MetricSeries& series) {
    series.name = "value";
    const auto it = item.find("metric");
    if (it == item.end()) return true;
    if (!it->is_object()) {
      reason_ = where + ".metric: expected an object of labels";
      return false;
    }
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) {
        reason_ = where + ".metric: label " + Quote(key) + " is not a string";
        return false;
      }
      if (key == "__name__") {
        series.name = value.get<std::string>();
      } else {
        series.labels[key] = value.get<std::string>();
      }
    }
    return true;
  }

  bool Point(const Json& pair, const std::string& where, MetricSeries& series) {
    if (!pair.is_array() || pair.size() != 2) {
      return Bad(where + ": expected [time, \"value\"]");
    }
    Sample sample{};
    if (!ParsePromTime(pair[0], sample.time)) {
      return Bad(where + ": time is not unix seconds between the years 1 and 9999");
    }
    const Json& v = pair[1];
    if (v.is_string()) {
      std::string why;
      if (!ParsePromValue(v.get_ref<const std::string&>(), sample.value, why)) {
        return Bad(where + ": " + why);
      }
    } else if (v.is_number()) {
      // Not what Prometheus writes, but what hand-made or converted files sometimes hold.
      sample.value = v.get<double>();
      if (std::isinf(sample.value)) return Bad(where + ": infinite value not stored");
    } else {
      return Bad(where + ": value is neither a string nor a number");
    }
    series.samples.push_back(sample);
    ++report_.records;
    return true;
  }

  bool Histograms(const Json& list, const std::string& where) {
    if (!list.is_array()) return Bad(where + ": native histograms are not supported");
    for (size_t j = 0; j < list.size(); ++j) {
      if (!Bad(where + "[" + std::to_string(j) + "]: native histograms are not supported")) {
        return false;
      }
    }
    return true;
  }

  // A series whose every sample was bad is dropped: callers may rely on series having data.
  void Keep(MetricSeries series) {
    if (!series.samples.empty()) series_.push_back(std::move(series));
  }

  bool Bad(std::string reason) {
    if (options_.strict) {
      failure_ = Error(ErrorCode::kInvalidArgument, reason);
      report_.Malformed(0, std::move(reason));
      return false;
    }
    report_.Malformed(0, std::move(reason));
    return true;
  }

  const MetricParseOptions& options_;
  ParseReport& report_;
  std::vector<MetricSeries> series_;
  std::optional<Error> failure_;
  std::string reason_;
};

Error NotAResponse(std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "not a Prometheus query_range response: " + std::string(why));
}

Result<std::vector<MetricSeries>> Walk(const Json& doc, const MetricParseOptions& options,
                                       ParseReport& report) {
  if (!doc.is_object()) {
    return std::unexpected(NotAResponse("expected a JSON object"));
  }
  const Json* data = &doc;
  if (auto status = doc.find("status"); status != doc.end()) {
    if (*status == "error") {
      auto text = [&](const char* key) {
        const auto it = doc.find(key);
        return it != doc.end() && it->is_string()
                   ? Printable(it->get_ref<const std::string&>(), 500)
                   : std::string("unknown");
      };
      return Fail(ErrorCode::kInvalidArgument,
                  "Prometheus returned an error (" + text("errorType") + "): " + text("error"));
    }
    if (*status != "success") {
      return std::unexpected(NotAResponse("\"status\" is neither \"success\" nor \"error\""));
    }
    const auto it = doc.find("data");
    if (it == doc.end() || !it->is_object()) {
      return std::unexpected(NotAResponse("\"data\" is missing or not an object"));
    }
    data = &*it;
  }
  const auto type = data->find("resultType");
  const auto result = data->find("result");
  if (type == data->end() || !type->is_string() || result == data->end()) {
    return std::unexpected(NotAResponse("expected \"resultType\" and \"result\""));
  }
  const std::string& kind = type->get_ref<const std::string&>();

  Walker walker(options, report);
  bool complete = true;
  if (kind == "matrix" || kind == "vector") {
    if (!result->is_array()) {
      return std::unexpected(NotAResponse("\"result\" of a " + kind + " is not an array"));
    }
    complete = kind == "matrix" ? walker.Matrix(*result) : walker.Vector(*result);
  } else if (kind == "scalar") {
    complete = walker.Scalar(*result);
  } else {
    return std::unexpected(NotAResponse("resultType " + Quote(kind) +
                                        " holds no samples (expected matrix, vector "
                                        "or scalar)"));
  }
  if (!complete) {
    if (std::optional<Error> failure = walker.TakeFailure()) return std::unexpected(*failure);
    return Fail(ErrorCode::kInternal, "Prometheus JSON walk stopped without a reason");
  }
  std::vector<MetricSeries> series = walker.TakeSeries();
  if (series.empty()) {
    std::string message = "no samples in the response";
    if (!report.first_malformed.empty()) {
      message += " (" + std::to_string(report.malformed) +
                 " malformed; first: " + report.first_malformed.front().reason + ")";
    }
    return Fail(ErrorCode::kInvalidArgument, std::move(message));
  }
  return series;
}

}  // namespace

Result<std::vector<MetricSeries>> ParsePromJson(std::string_view content,
                                                const MetricParseOptions& options,
                                                ParseReport& report) {
  report.lines = CountLines(content);
  Json doc;
  try {
    doc = Json::parse(content.begin(), content.end());
  } catch (const Json::parse_error& e) {
    return Fail(ErrorCode::kInvalidArgument,
                Position(content, e.byte) + ": not valid JSON: " + ParseErrorDetail(e));
  } catch (const Json::exception& e) {
    // A number too large for a double (1e999) is out_of_range, not parse_error (found by
    // the fuzzer): still bad input, never a crash.
    return Fail(ErrorCode::kInvalidArgument, "not valid JSON: " + Printable(e.what(), 200));
  }
  // The walk checks every type before reading it; this catch is a last guard so that a case
  // it missed is an error message rather than a crash of the whole program.
  try {
    return Walk(doc, options, report);
  } catch (const Json::exception& e) {
    return Fail(ErrorCode::kInternal, "unexpected JSON structure: " + Printable(e.what(), 200));
  }
}

}  // namespace forescale::ingest
