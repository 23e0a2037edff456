#include "generate/profile.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/output_file.h"
#include "core/rng.h"
#include "generate/internal/season_curve.h"
#include "generate/internal/stats.h"

namespace forescale::generate {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr double kWeekMs = 7.0 * kDayMs;
constexpr size_t kMaxPoints = 100'000'000;

std::string ShortNumber(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// 0 = Sunday .. 6 = Saturday, as std::chrono::weekday::c_encoding.
int WeekdayOf(int64_t t_ms) {
  return static_cast<int>(
      std::chrono::weekday{std::chrono::sys_days{std::chrono::days{FloorDiv(t_ms, kDayMs)}}}
          .c_encoding());
}

Result<int> ParseLike(const Event& e) {
  static constexpr const char* kNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                           "thursday", "friday", "saturday"};
  std::string like = e.like;
  for (char& ch : like) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (int d = 0; d < 7; ++d) {
    const std::string name = kNames[d];
    if (like == name || (like.size() == 3 && name.starts_with(like))) return d;
  }
  if (auto t = ParseTimestamp(like)) return WeekdayOf(t->time_since_epoch().count());
  return Fail(ErrorCode::kInvalidArgument,
              "holiday '" + e.name + "': like '" + e.like +
                  "' is neither a weekday (monday .. sunday) nor a date");
}

// A window [from, to) in ms outside which an event does nothing.
struct Active {
  const Event* event;
  int64_t from, to;
};

int64_t Ms(Duration d) { return d.count(); }

}  // namespace

void OverlayEvents(std::span<const Event> events, Series& out) {
  const size_t n = out.size();
  const int64_t step = out.step.count();
  const int64_t t0 = out.start.time_since_epoch().count();
  const int64_t t_end = t0 + static_cast<int64_t>(n) * step;
  // Events in the documented order: multipliers, absolute peaks, scheduled jobs, outages.
  std::vector<Active> multipliers, additions, outages;
  for (const Event& e : events) {
    const int64_t s = e.start.time_since_epoch().count();
    switch (e.type) {
      case Event::Type::kCampaign:
      case Event::Type::kFlashCrowd: {
        const Active a{&e, s, e.End().time_since_epoch().count()};
        (e.peak_multiplier ? multipliers : additions).push_back(a);
        break;
      }
      case Event::Type::kOutage:
        outages.push_back({&e, s, e.End().time_since_epoch().count()});
        break;
      default:
        break;
    }
  }
  // Within a step the events combine instant by instant, and the step takes the mean: the
  // product of each event's mean over the step had compounded two 10-minute campaigns an
  // hour apart (x6.25 for x4) and let an outage keep a campaign it covered (found by probing).
  // Read at the instants MeanOverSpan reads (core/events.h): a 30-second outage read at
  // minute centres had done nothing to its hour.
  auto at = [](int64_t ms) { return TimePoint{Duration{ms}}; };
  std::vector<const Event*> active_outages;
  auto outage_factor = [&](TimePoint t) {
    double f = 1;
    for (const Event* e : active_outages) f *= 1 - e->drop * e->Intensity(t);
    return f;
  };
  // The mean outage factor over [from, to), given the outages under way there.
  auto mean_outage_factor = [&](int64_t from, int64_t to) {
    active_outages.clear();
    for (const Active& a : outages) {
      if (a.from < to && from < a.to) active_outages.push_back(a.event);
    }
    if (active_outages.empty()) return 1.0;
    return MeanOverSpan(at(from), at(to), active_outages, outage_factor);
  };

  // Scheduled jobs add their volume exactly: each run's rate times its overlap with a step,
  // less what the outages under way over that overlap take. The steps a run covers whole are
  // summed through a difference array, so the work is runs + steps, not their product (a run
  // every minute lasting a year took 50 s for one day of seconds; found by probing).
  auto runs = [](const Event& e) {
    return e.type == Event::Type::kScheduledJob && e.cron && e.duration.count() > 0;
  };
  const bool any_job = std::any_of(events.begin(), events.end(), runs);
  // Without events the profile is only clamped: 44 MB of bookkeeping for 30 days of seconds
  // had cost more than a third of the generation.
  if (!any_job && multipliers.empty() && additions.empty() && outages.empty()) {
    for (double& v : out.values) {
      if (!std::isnan(v)) v = std::max(v, 0.0);
    }
    return;
  }
  std::vector<double> jobs(any_job ? n : 0, 0.0), whole(any_job ? n + 1 : 0, 0.0);
  for (const Event& e : events) {
    if (!runs(e)) continue;
    const int64_t run_ms = Ms(e.duration);
    const double rate = e.requests_per_run / (static_cast<double>(run_ms) / 1000.0);
    auto part = [&](int64_t i, int64_t r0, int64_t r1) {
      if (i < 0 || i >= static_cast<int64_t>(n)) return;
      const int64_t b0 = t0 + i * step, b1 = b0 + step;
      const int64_t lo = std::max(b0, r0), hi = std::min(b1, r1);
      if (hi > lo) {
        jobs[static_cast<size_t>(i)] += rate * static_cast<double>(hi - lo) /
                                        static_cast<double>(step) * mean_outage_factor(lo, hi);
      }
    };
    for (TimePoint run : e.cron->RunsBetween(TimePoint{Duration{t0 - run_ms}}, TimePoint{Duration{t_end}})) {
      const int64_t r0 = run.time_since_epoch().count(), r1 = r0 + run_ms;
      const int64_t first = FloorDiv(r0 - t0, step), last = FloorDiv(r1 - 1 - t0, step);
      part(first, r0, r1);
      if (last == first) continue;
      part(last, r0, r1);
      const int64_t lo = std::max<int64_t>(first + 1, 0);
      const int64_t hi = std::min<int64_t>(last, static_cast<int64_t>(n));  // exclusive
      if (lo < hi) {
        whole[static_cast<size_t>(lo)] += rate;
        whole[static_cast<size_t>(hi)] -= rate;
      }
    }
  }
  double covering = 0;  // the rate of the runs that cover step i whole
  double largest = 0;   // what rounding leaves of a sum that returned to zero is below this
  for (double w : whole) largest = std::max(largest, std::abs(w));
  for (size_t i = 0; any_job && i < n; ++i) {
    covering += whole[i];
    if (covering > 1e-9 * largest) {
      const int64_t b0 = t0 + static_cast<int64_t>(i) * step;
      jobs[i] += covering * mean_outage_factor(b0, b0 + step);
    }
  }

  // The steps some campaign, flash crowd or outage touches.
  std::vector<uint8_t> touched(n, 0);
  for (const auto* list : {&multipliers, &additions, &outages}) {
    for (const Active& a : *list) {
      const int64_t lo = std::max<int64_t>(0, FloorDiv(a.from - t0, step));
      const int64_t hi =
          std::min<int64_t>(static_cast<int64_t>(n), FloorDiv(a.to - 1 - t0, step) + 1);
      for (int64_t i = lo; i < hi; ++i) touched[static_cast<size_t>(i)] = 1;
    }
  }
  // The events under way in a step, by kind, in the documented order.
  std::vector<const Event*> active, active_multipliers, active_additions;
  for (size_t i = 0; i < n; ++i) {
    if (touched[i]) {
      const int64_t b0 = t0 + static_cast<int64_t>(i) * step, b1 = b0 + step;
      active.clear();
      for (auto [list, into] : {std::pair{&multipliers, &active_multipliers},
                                {&additions, &active_additions},
                                {&outages, &active_outages}}) {
        into->clear();
        for (const Active& a : *list) {
          if (a.from < b1 && b0 < a.to) {
            into->push_back(a.event);
            active.push_back(a.event);
          }
        }
      }
      const double base = out.values[i];  // NaN stays NaN
      out.values[i] = MeanOverSpan(at(b0), at(b1), active, [&](TimePoint t) {
        double v = base;
        for (const Event* e : active_multipliers)
          v *= 1 + (*e->peak_multiplier - 1) * e->Intensity(t);
        for (const Event* e : active_additions) v += e->peak_rate.value_or(0) * e->Intensity(t);
        return v * outage_factor(t);
      });
    }
    if (any_job) out.values[i] += jobs[i];
    if (!std::isnan(out.values[i])) out.values[i] = std::max(out.values[i], 0.0);
  }
}

Result<Series> GenerateProfile(const LoadModel& model, std::span<const Event> events,
                               const ProfileOptions& o) {
  if (o.step.count() <= 0) return Fail(ErrorCode::kInvalidArgument, "--step must be positive");
  if (o.duration.count() < o.step.count()) {
    return Fail(ErrorCode::kInvalidArgument, "--duration must be at least one step");
  }
  if (o.mean_rps && o.peak_rps) {
    return Fail(ErrorCode::kInvalidArgument, "give --mean-rps or --peak-rps, not both");
  }
  if ((o.mean_rps && !(*o.mean_rps > 0)) || (o.peak_rps && !(*o.peak_rps > 0))) {
    return Fail(ErrorCode::kInvalidArgument, "--mean-rps / --peak-rps must be positive");
  }
  for (auto [value, name] : {std::pair{o.seasonality, "--seasonality"}, {o.noise, "--noise"},
                             {o.burstiness, "--burstiness"}, {o.burst_height, "--burst-height"}}) {
    if (!(value >= 0) || !std::isfinite(value)) {
      return Fail(ErrorCode::kInvalidArgument, std::string(name) + " must be >= 0");
    }
  }
  const double growth = o.growth_per_week.value_or(model.growth_per_week);
  if (!(growth > -1) || !std::isfinite(growth)) {
    return Fail(ErrorCode::kInvalidArgument, "--growth-per-week must be a finite number > -1");
  }
  const int64_t step = o.step.count();
  const size_t n = static_cast<size_t>(o.duration.count() / step);
  if (n > kMaxPoints) {
    return Fail(ErrorCode::kInvalidArgument,
                "profile would have " + std::to_string(n) + " points (at most 100 M): use a coarser --step");
  }
  const TimePoint start = o.start.value_or(model.history_end);
  const int64_t t0 = start.time_since_epoch().count();
  const int64_t t_end = t0 + static_cast<int64_t>(n) * step;
  // The noise runs at the model's own step and the bursts are drawn one by one: a hand-edited
  // model (a step of 1ms, a trillion bursts a day) asked for more memory than there is.
  const double fitted_steps = static_cast<double>(t_end - t0) /
                              static_cast<double>(std::max<int64_t>(model.step.count(), 1));
  if (fitted_steps > static_cast<double>(kMaxPoints)) {
    return Fail(ErrorCode::kInvalidArgument,
                "the model's step (history.step " + FormatDuration(model.step) + ") over " +
                    FormatDuration(Duration{t_end - t0}) + " is " +
                    std::to_string(static_cast<int64_t>(fitted_steps)) +
                    " noise steps (at most 100 M): generate a shorter profile");
  }
  const double expected_bursts = model.bursts.rate_per_day * o.burstiness *
                                 static_cast<double>(t_end - t0) / static_cast<double>(kDayMs);
  if (expected_bursts > 1e7) {
    return Fail(ErrorCode::kInvalidArgument,
                "bursts.rate_per_day " + ShortNumber(model.bursts.rate_per_day) +
                    " (x --burstiness) gives " + ShortNumber(expected_bursts) +
                    " bursts over the profile (at most 10 M)");
  }

  // Holidays: a shift (whole days) of the seasonal calendar inside the holiday.
  struct Holiday {
    int64_t from, to, shift;
  };
  std::vector<Holiday> holidays;
  for (const Event& e : events) {
    if (e.type != Event::Type::kHoliday) continue;
    auto like = ParseLike(e);
    if (!like) return std::unexpected(like.error());
    const int64_t from = e.start.time_since_epoch().count();
    const int64_t shift = ((*like - WeekdayOf(from)) % 7 + 7) % 7;
    holidays.push_back({from, from + Ms(e.duration), shift * kDayMs});
  }

  // Sub-samples: an output step coarser than the fitted step averages the fitted-step values
  // inside it, as the history itself would have been aggregated.
  const int64_t fitted = std::max<int64_t>(model.step.count(), 1);
  const int64_t subs = std::max<int64_t>(1, step / fitted);
  const int64_t h = step / subs;  // spacing of evaluation points (ms)

  std::vector<internal::SeasonCurve> curves(model.seasons.begin(), model.seasons.end());
  const double c = model.log_offset_rps;
  const double log_level =
      std::log((model.level_rps + c) / (SeasonMeanFactor(model, o.seasonality) *
                                        NoiseMeanFactor(model, o.noise, o.seasonality)));
  const double log_growth_per_ms = std::log1p(growth) / kWeekMs;

  Rng master(o.seed);
  Rng noise_rng = master.Fork();
  Rng burst_rng = master.Fork();

  // Noise: AR at the fitted step on the epoch-aligned grid covering the profile, after a
  // burn-in that forgets the zero start.
  const int64_t k0 = FloorDiv(t0, fitted);
  const int64_t k1 = FloorDiv(t_end - 1, fitted) + 1;
  const auto& phi = model.noise.ar;
  const size_t burn = 100 + 20 * phi.size();
  std::vector<double> noise(static_cast<size_t>(k1 - k0) + burn, 0.0);
  const auto& iq = model.noise.innovation_quantiles;
  for (size_t k = 0; k < noise.size(); ++k) {
    // A standard normal draw read through the innovations' normal-score quantiles: a sample
    // with their empirical distribution, tails included.
    double x = iq.empty() ? 0.0 : internal::QuantileAtScore(iq, noise_rng.Normal());
    for (size_t i = 0; i < phi.size() && i < k; ++i) x += phi[i] * noise[k - 1 - i];
    noise[k] = x;
  }
  // The slow part: its AR on the epoch-aligned block grid around the profile (one block
  // beyond each end, for interpolation), after its own burn-in, linear between block centres.
  const auto& slow = model.noise.slow;
  if (slow.block.count() > 0 && !slow.innovation_quantiles.empty()) {
    Rng slow_rng = master.Fork();
    const int64_t block = slow.block.count();
    const int64_t b0 = FloorDiv(k0 * fitted, block) - 1;
    const int64_t b1 = FloorDiv(k1 * fitted, block) + 1;
    const size_t slow_burn = 100 + 20 * slow.ar.size();
    std::vector<double> blocks(static_cast<size_t>(b1 - b0 + 1) + slow_burn, 0.0);
    for (size_t j = 0; j < blocks.size(); ++j) {
      double x = internal::QuantileAtScore(slow.innovation_quantiles, slow_rng.Normal());
      for (size_t i = 0; i < slow.ar.size() && i < j; ++i) x += slow.ar[i] * blocks[j - 1 - i];
      blocks[j] = x;
    }
    const std::span<const double> kept(blocks.data() + slow_burn, blocks.size() - slow_burn);
    const int64_t origin = b0 * block + block / 2;
    for (size_t k = 0; k + burn < noise.size(); ++k) {
      const int64_t centre = (k0 + static_cast<int64_t>(k)) * fitted + fitted / 2;
      noise[k + burn] += internal::InterpolateBlocks(kept, origin, block, centre);
    }
  }
  if (model.noise.normal_scores) {
    for (double& v : noise) v = internal::QuantileAtScore(model.noise.residual_quantiles, v);
  }
  for (double& v : noise) v *= o.noise;
  // Inside a holiday the seasons are read at the day it follows.
  auto season_time = [&holidays](int64_t t) {
    for (const Holiday& hd : holidays) {
      if (t >= hd.from && t < hd.to) return t + hd.shift;
    }
    return t;
  };
  // The spread of noise and bursts by phase and by seasonal level (the level generated, so a
  // flattened --seasonality flattens it too), held per fitted step like the noise.
  std::vector<double> spread(static_cast<size_t>(k1 - k0), 1.0);
  const double elasticity = model.noise.level_elasticity * o.seasonality;
  if (!model.noise.scale.factors.empty() || elasticity != 0) {
    const internal::SeasonCurve curve(model.noise.scale);
    for (size_t k = 0; k < spread.size(); ++k) {
      const int64_t centre = (k0 + static_cast<int64_t>(k)) * fitted + fitted / 2;
      const double by_level =
          elasticity == 0 ? 0.0 : elasticity * internal::SeasonsAt(curves, season_time(centre));
      spread[k] = std::exp(curve.At(centre) + by_level);  // At() is 0 without scale factors
    }
  }

  // Bursts: Poisson onsets in continuous time (from 5 time constants before the start, so a
  // burst may be under way at the start), heights threshold + GPD excess, capped.
  struct Burst {
    int64_t t;
    double height;
  };
  std::vector<Burst> bursts;
  const double tau = static_cast<double>(std::max<int64_t>(model.bursts.decay.count(), 1));
  const double rate_per_ms = model.bursts.rate_per_day * o.burstiness / kDayMs;
  if (rate_per_ms > 0) {
    const internal::Gpd gpd{.scale = model.bursts.height_scale, .shape = model.bursts.height_shape};
    double t = static_cast<double>(t0) - 5 * tau;
    while (true) {
      t += burst_rng.Exponential(rate_per_ms);
      if (t >= static_cast<double>(t_end)) break;
      const double height =
          std::min(model.bursts.threshold + gpd.Sample(burst_rng.Uniform()), model.bursts.max_height);
      bursts.push_back({static_cast<int64_t>(std::floor(t)), std::max(height, 0.0) * o.burst_height});
    }
  }

  Series out{.start = start, .step = o.step};
  out.values.resize(n);
  const double decay_h = std::exp(-static_cast<double>(h) / tau);
  double burst_level = 0;
  size_t next_burst = 0;
  // Brings the burst level (log scale) forward by one evaluation spacing to `t`.
  auto advance_bursts = [&](int64_t t) {
    burst_level *= decay_h;
    while (next_burst < bursts.size() && bursts[next_burst].t <= t) {
      burst_level += bursts[next_burst].height *
                     std::exp(-static_cast<double>(t - bursts[next_burst].t) / tau);
      ++next_burst;
    }
  };
  const double inv_subs = 1.0 / static_cast<double>(subs);
  // --mean-rps and --peak-rps scale the load before events, and a holiday is an event: the
  // reference is the profile without the holidays' shifted calendar (with it, a Wednesday like a
  // Sunday raised every other day by 9 % under --mean-rps).
  const bool holiday_free_reference = !holidays.empty() && (o.mean_rps || o.peak_rps);
  double reference_sum = 0, reference_peak = 0;
  // Growth multiplies the rate itself: inside the exponential it grew rate + c, and five per
  // cent a week compounded to 1.160-1.177 over three weeks, by hour (found by probing). One
  // multiplication per evaluation, recomputed exactly every 4096 (an exp() each had cost a
  // third of the time of 30 days at 1 s).
  const double growth_per_eval = std::exp(log_growth_per_ms * static_cast<double>(h));
  double grown = 1;
  int64_t evaluation = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = t0 + static_cast<int64_t>(i) * step;
    double sum = 0, plain = 0;
    for (int64_t j = 0; j < subs; ++j, ++evaluation) {
      const int64_t ts = t + j * h;
      const int64_t centre = ts + h / 2;
      advance_bursts(centre);
      const int64_t shifted = season_time(centre);
      const double season = internal::SeasonsAt(curves, shifted);
      const size_t k = static_cast<size_t>(FloorDiv(ts, fitted) - k0);
      const double rest = log_level + spread[k] * (noise[k + burn] + burst_level);
      grown = evaluation % 4096 == 0
                  ? std::exp(log_growth_per_ms * static_cast<double>(centre - t0))
                  : grown * growth_per_eval;
      // Each fitted step clamped at zero before a coarser step averages them, as the profile at
      // the fitted step has them (a noisy hour had read 14 % below the mean of its minutes).
      sum += std::max(0.0, (std::exp(rest + o.seasonality * season) - c) * grown);
      if (holiday_free_reference) {
        plain += std::max(
            0.0, (shifted == centre
                      ? std::exp(rest + o.seasonality * season) - c
                      : std::exp(rest + o.seasonality * internal::SeasonsAt(curves, centre)) - c) *
                     grown);
      }
    }
    out.values[i] = std::max(sum * inv_subs, 0.0);
    if (holiday_free_reference) {
      const double v = std::max(plain * inv_subs, 0.0);
      reference_sum += v;
      reference_peak = std::max(reference_peak, v);
    }
  }

  if (o.mean_rps || o.peak_rps) {
    double ref = 0;
    if (holiday_free_reference) {
      ref = o.mean_rps ? reference_sum / static_cast<double>(n) : reference_peak;
    } else if (o.mean_rps) {
      for (double v : out.values) ref += v;
      ref /= static_cast<double>(n);
    } else {
      ref = *std::max_element(out.values.begin(), out.values.end());
    }
    // A model that generates no load (a hand-edited one whose noise swamps it) cannot be
    // scaled to a rate: an all-zero profile with exit 0 would pass for one.
    if (!(ref > 0) || !std::isfinite(ref)) {
      return Fail(ErrorCode::kInvalidArgument,
                  std::string(o.mean_rps ? "--mean-rps" : "--peak-rps") +
                      ": the model generates no load to scale (its rate is 0 at every step): "
                      "check its level and noise");
    }
    const double scale = (o.mean_rps ? *o.mean_rps : *o.peak_rps) / ref;
    for (double& v : out.values) v *= scale;
  }

  OverlayEvents(events, out);
  // Growth compounded over a long profile, or bursts scaled far up, can leave the doubles: no
  // file should say "inf" requests per second.
  for (size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out.values[i])) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the profile's rate at " + FormatRfc3339(out.TimeAt(i)) +
                      " overflows: lower --growth-per-week, --burst-height or the events' peaks");
    }
  }
  return out;
}

namespace {

// Writes "YYYY-MM-DDT" for a day number, and "HH:MM:SS[.mmm]Z," for a time of day.
char* TwoDigits(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

size_t DatePrefix(int64_t day, char* buf) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  const int year = static_cast<int>(ymd.year());
  const auto [p, ec] = std::to_chars(buf, buf + 8, year);
  char* q = p;
  *q++ = '-';
  q = TwoDigits(q, static_cast<unsigned>(ymd.month()));
  *q++ = '-';
  q = TwoDigits(q, static_cast<unsigned>(ymd.day()));
  *q++ = 'T';
  (void)ec;
  return static_cast<size_t>(q - buf);
}

}  // namespace

namespace {

// "timestamp,rps[,extra...]\n".
std::string CsvHeader(std::span<const ProfileColumn> extra) {
  std::string header = "timestamp,rps";
  for (const ProfileColumn& c : extra) header += "," + c.name;
  return header + "\n";
}

// Rows [from, from + count) of the profile (and of each extra column), no header.
// A rate in at most 24 characters: three decimals where they hold it (0.01 to 1e15), else six
// significant digits (2.7e-08, 1.5e+20). Fixed notation alone wrote nothing for 1e20 and above
// (an empty cell, which reads as missing) and 0.000 for a rate of 1e-9.
char* WriteRate(char* p, double v) {
  if (std::isnan(v)) return p;  // missing: an empty field, as every CSV reader here reads it
  const double a = std::fabs(v);
  const bool fixed = v == 0 || (a >= 0.01 && a < 1e15);
  const auto [q, ec] = fixed ? std::to_chars(p, p + 24, v, std::chars_format::fixed, 3)
                             : std::to_chars(p, p + 24, v, std::chars_format::general, 6);
  return ec == std::errc() ? q : p;
}

void AppendRows(const Series& profile, size_t from, size_t count,
                std::span<const ProfileColumn> extra, std::string& out) {
  const int64_t t0 = profile.start.time_since_epoch().count();
  const int64_t step = profile.step.count();
  // Milliseconds for the whole file or not at all, whichever chunk this is.
  const bool millis = t0 % 1000 != 0 || step % 1000 != 0;
  const size_t old = out.size();
  // Room for the longest line: 11 date + 13 time + 1 comma + 24 number + newline, and a comma
  // and a number per extra column.
  out.resize(old + count * (56 + 26 * extra.size()));
  char* p = out.data() + old;
  int64_t cached_day = INT64_MIN;
  char date[16];
  size_t date_len = 0;
  for (size_t i = from; i < from + count; ++i) {
    const int64_t t = t0 + static_cast<int64_t>(i) * step;
    const int64_t day = FloorDiv(t, kDayMs);
    if (day != cached_day) {
      cached_day = day;
      date_len = DatePrefix(day, date);
    }
    std::memcpy(p, date, date_len);
    p += date_len;
    const int64_t ms = t - day * kDayMs;
    const unsigned secs = static_cast<unsigned>(ms / 1000);
    p = TwoDigits(p, secs / 3600);
    *p++ = ':';
    p = TwoDigits(p, secs / 60 % 60);
    *p++ = ':';
    p = TwoDigits(p, secs % 60);
    if (millis) {
      const unsigned frac = static_cast<unsigned>(ms % 1000);
      *p++ = '.';
      *p++ = static_cast<char>('0' + frac / 100);
      p = TwoDigits(p, frac % 100);
    }
    *p++ = 'Z';
    *p++ = ',';
    p = WriteRate(p, profile.values[i]);
    for (const ProfileColumn& c : extra) {
      *p++ = ',';
      p = WriteRate(p, i < c.values.size() ? c.values[i] : 0.0);
    }
    *p++ = '\n';
  }
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace

void AppendProfileCsv(const Series& profile, std::string& out, std::span<const ProfileColumn> extra) {
  out += CsvHeader(extra);
  AppendRows(profile, 0, profile.size(), extra, out);
}

Result<void> WriteProfileCsv(const Series& profile, const std::string& path,
                             std::span<const ProfileColumn> extra) {
  for (const ProfileColumn& c : extra) {
    if (c.values.size() != profile.size()) {
      return Fail(ErrorCode::kInternal, "column " + c.name + " has " +
                                            std::to_string(c.values.size()) + " values for " +
                                            std::to_string(profile.size()) + " points");
    }
  }
  // Whole or not at all: through PATH.tmp (core/output_file.h).
  const std::string staging = path == "-" ? path : StagingPathFor(path);
  std::FILE* f = path == "-" ? stdout : std::fopen(staging.c_str(), "wb");
  if (!f) return Fail(ErrorCode::kIo, path + ": cannot write: " + std::strerror(errno));
  // Chunks of 256 k points (~10 MB) keep memory flat for long profiles.
  constexpr size_t kChunk = 1 << 18;
  std::string buffer = CsvHeader(extra);
  bool ok = true;
  for (size_t from = 0; from < profile.size() && ok; from += kChunk) {
    AppendRows(profile, from, std::min(kChunk, profile.size() - from), extra, buffer);
    ok = std::fwrite(buffer.data(), 1, buffer.size(), f) == buffer.size();
    buffer.clear();
  }
  if (!buffer.empty()) ok = std::fwrite(buffer.data(), 1, buffer.size(), f) == buffer.size();
  if (f == stdout) {
    ok = std::fflush(f) == 0 && ok;
    if (!ok) return Fail(ErrorCode::kIo, "<stdout>: write failed");
    return {};
  }
  ok = std::fclose(f) == 0 && ok;
  return FinishOutput(staging, path, ok);
}

}  // namespace forescale::generate
