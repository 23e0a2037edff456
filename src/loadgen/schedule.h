// When each request of a load test is meant to be sent: the open-loop schedule.
//
// A schedule is a deterministic sequence of arrivals (nanoseconds after the start of the run,
// non-decreasing, and what to request). It comes from
//   * a rate profile (a Series of requests/s, NaN read as 0) with Poisson or uniform arrivals
//     within each step, seeded: same profile, options and seed, same arrivals on every machine;
//   * a constant rate for a duration (a one-step profile);
//   * a request file written by `forescale generate requests` (src/generate/requests.h), one
//     JSON object a line with "t", "method", "path": each request at its own time;
//   * nothing: `Max()` is the closed-loop mode that sends as fast as the connections allow
//     (what wrk does; there are no intended times, so no schedule lag).
//
// Time scale X (X profile seconds per wall second, default 1):
//   * profile / rate: the run lasts profile length / X and the rate at wall time w is the
//     profile's rate at profile time w * X — the shape is compressed, the *rates* are kept (a
//     one-minute-per-second replay of a 100 rps profile still sends 100 requests/s, so a
//     service sized for the profile sees the load it was sized for);
//   * request file: every timestamp is divided by X, so every request is sent and the rate
//     is multiplied by X.
//
// Threads split a schedule by position: share k of T takes arrivals k, k+T, k+2T, ..., so the
// union of the shares is the whole schedule whatever T is. A `Cursor` generates its share
// lazily (a day-long profile is never held in memory); cursors are independent and each is
// used by one thread. A Schedule is immutable once built and safe to share between threads.
//
//   auto s = Schedule::FromProfile(profile, {.arrivals = Arrivals::kPoisson, .seed = 7});
//   Schedule::Cursor c = s->Share(0, 2);
//   while (auto a = c.Next()) Send(a->at_ns, s->request(a->request));
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "core/series.h"

namespace forescale::loadgen {

enum class Arrivals {
  kPoisson,  // exponential gaps: what independent users produce
  kUniform,  // evenly spaced within each step: the smoothest load of that rate
  // For time compression X: the profile-time Poisson stream of X times the rate, of which
  // every X-th request is sent (Erlang-X gaps, X = time_scale rounded). The rate is kept, and
  // the count over any wall window varies as the real stream's does over the X times longer
  // profile window — what a metrics window in compressed time should see. Plain Poisson
  // would be X times noisier (random thinning); X = 1 is Poisson.
  kCompressed,
};

// Parses "poisson", "uniform" or "compressed".
Result<Arrivals> ParseArrivals(const std::string& text);

struct RequestSpec {
  std::string method = "GET";
  std::string path;  // empty: the target URL's path
};

struct Arrival {
  int64_t at_ns = 0;     // intended send time after the start of the run
  uint32_t request = 0;  // index into Schedule::requests()
};

struct ProfileScheduleOptions {
  Arrivals arrivals = Arrivals::kPoisson;
  uint64_t seed = 1;
  double time_scale = 1.0;  // profile seconds per wall second; > 0
};

class Schedule {
 public:
  enum class Kind { kProfile, kRequests, kMax };

  // Fails on an empty profile, a negative rate or a time scale <= 0.
  static Result<Schedule> FromProfile(const Series& profile, const ProfileScheduleOptions& options);
  // `rps` requests/s for `seconds` seconds (> 0).
  static Result<Schedule> ConstantRate(double rps, double seconds,
                                       const ProfileScheduleOptions& options);
  // Requests at their own times (any order; sorted stably here), the first at 0.
  struct TimedRequest {
    int64_t t_ms = 0;  // any epoch
    RequestSpec spec;
  };
  static Result<Schedule> FromRequests(std::vector<TimedRequest> requests, double time_scale);
  // Reads `forescale generate requests` JSONL; errors name the file and line.
  static Result<Schedule> FromRequestsFile(const std::string& path, double time_scale);
  static Schedule Max();

  Kind kind() const { return kind_; }
  // Wall nanoseconds from the start to the end of the schedule (profile length / time scale,
  // or just after the last request); 0 for Max.
  int64_t length_ns() const { return length_ns_; }
  // Expected number of arrivals (exact for request files and uniform arrivals).
  double expected_requests() const { return expected_; }
  const std::vector<RequestSpec>& requests() const { return requests_; }

  class Cursor {
   public:
    // The next arrival of this share, or nullopt at the end of the schedule (never, for Max:
    // callers stop Max runs by time or count).
    std::optional<Arrival> Next();

   private:
    friend class Schedule;
    std::optional<Arrival> NextGlobal();

    const Schedule* schedule_ = nullptr;
    size_t share_ = 0, shares_ = 1;
    uint64_t index_ = 0;  // global position of the next arrival NextGlobal returns
    // Profile generator state.
    Rng rng_{1};
    size_t step_ = 0;
    double t_ = 0;         // wall seconds into the current step
    double carry_ = 0;     // uniform: fractional requests carried to the next step
    uint64_t step_n_ = 0;  // uniform: arrivals in the current step
    uint64_t step_k_ = 0;  // uniform: arrivals of the current step already made
    bool step_started_ = false;
  };
  // Share k of `shares` (k < shares).
  Cursor Share(size_t k, size_t shares) const;

 private:
  Kind kind_ = Kind::kMax;
  // Profile: wall seconds per step and the rate of each step (NaN already 0).
  std::shared_ptr<const std::vector<double>> rates_;
  double step_s_ = 1;
  ProfileScheduleOptions options_;
  // Request file: every arrival, in order.
  std::shared_ptr<const std::vector<Arrival>> arrivals_;
  std::vector<RequestSpec> requests_{RequestSpec{}};
  int64_t length_ns_ = 0;
  double expected_ = 0;
};

}  // namespace forescale::loadgen
