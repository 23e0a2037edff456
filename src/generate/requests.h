// Request sequences: a rate profile (profile.h) and a behaviour model (behaviour.h) become the
// requests a load tool would send, one JSON object a line, in time order:
//
//   {"t":"2024-03-12T09:00:00.123Z","method":"GET","path":"/api/x","bytes":1234,"session":"s42"}
//
// How the two inputs are reconciled — the profile wins:
//   * Sessions start as a non-homogeneous Poisson process and each walks the model (the chain,
//     or one workflow chosen by weight) with its think times. The start rate is planned so that
//     the *expected request rate* is the profile: sessions simulated from the model give the
//     kernel K (expected requests of one session in each later time bin), and the start counts
//     x solve K * x = profile by a projected Landweber iteration (x >= 0). For a constant profile
//     that is rps / L, L the expected requests per session (MeanRequestsPerSession); a changing
//     profile is led by the sessions' length, so the aggregate does not lag it. Detail finer
//     than a session's spread is followed only as far as sessions can (where the profile falls
//     faster than sessions end, no start rate can make it, and the aggregate lags).
//   * So that the first minutes are not short of the requests of sessions already under way,
//     sessions also start during a warm-up before the profile (the 99.9th percentile of a
//     session's duration, at most 6 h); their requests before the profile's start, and every
//     request at or after its end, are not written.
//   * The model's hour-of-day share of session starts is not applied: the profile already
//     carries the daily shape, and applying both would count it twice. (It is in the model for
//     the reader and for profiles made without a load model.)
//
// Session ids ("s42") number sessions in order of start, warm-up included.
//
// Determinism: one Rng seeded with `seed` and consumed in a fixed order; timestamps are floored
// to milliseconds and ties are broken by session number; numbers are written with
// std::to_chars. Same profile, model and seed give the same bytes on every machine.
//
// Speed: lines are formatted by hand into a large buffer handed to the sink in chunks; active
// sessions sit in a binary heap keyed by their next request's time. Well over a million
// requests per second on one core (bench/generate/requests_speed.cc). Not thread-safe.
//
//   auto sink = OpenRequestFile("requests.jsonl");
//   auto result = GenerateRequests(profile, model, {.seed = 42}, **sink);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/series.h"
#include "generate/behaviour.h"

namespace forescale::generate {

// Where the JSONL goes. Write is called with chunks of whole lines, Finish once at the end.
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  virtual Result<void> Write(std::string_view chunk) = 0;
  virtual Result<void> Finish() { return {}; }
};

// Appends to a string (tests, small runs).
class StringRequestSink : public RequestSink {
 public:
  explicit StringRequestSink(std::string& out) : out_(out) {}
  Result<void> Write(std::string_view chunk) override {
    out_.append(chunk);
    return {};
  }

 private:
  std::string& out_;
};

// A file ("-" is stdout), written whole or not at all: to PATH.tmp, renamed over PATH by
// Finish; a sink destroyed unfinished removes it.
Result<std::unique_ptr<RequestSink>> OpenRequestFile(const std::string& path);

struct RequestsOptions {
  uint64_t seed = 1;
  std::optional<Duration> warmup;         // default: see above (p99.9 of session duration)
  size_t buffer_bytes = size_t{1} << 20;  // bytes handed to the sink at a time
};

struct RequestsResult {
  uint64_t requests = 0;                 // lines written
  uint64_t sessions = 0;                 // sessions with at least one line written
  uint64_t bytes = 0;                    // sum of the lines' expected response bytes
  double mean_requests_per_session = 0;  // L of the model
  Duration warmup{0};
  // What was written, on the profile's grid, per second: requests/s and bytes/s.
  Series requests_per_s;
  Series bytes_per_s;
  double expected_requests = 0;    // what the profile asks for: sum of rate x step
  std::vector<std::string> notes;  // for the user: the sequence misses the profile by > 25 %
};

// Fails on an invalid model (ValidateBehaviour), an empty profile, or a negative rate. NaN
// rates (no data) are read as 0.
Result<RequestsResult> GenerateRequests(const Series& profile, const BehaviourModel& model,
                                        const RequestsOptions& options, RequestSink& out);

// `timestamp,rps,bytes_per_s` (the profile CSV layout plus bytes), 3 decimals. Appends.
void AppendRequestSeriesCsv(const RequestsResult& result, std::string& out);
Result<void> WriteRequestSeriesCsv(const RequestsResult& result, const std::string& path);

}  // namespace forescale::generate
