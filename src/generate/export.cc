#include "generate/export.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <queue>
#include <tuple>

namespace forescale::generate {
namespace {

// ---------------------------------------------------------------------------------------------
// Reading profiles

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The `index`-th comma-separated field of `line`, or nullopt when the line is shorter.
std::optional<std::string_view> Field(std::string_view line, size_t index) {
  size_t from = 0;
  for (size_t i = 0; i < index; ++i) {
    const size_t comma = line.find(',', from);
    if (comma == std::string_view::npos) return std::nullopt;
    from = comma + 1;
  }
  const size_t end = std::min(line.find(',', from), line.size());
  return Trim(line.substr(from, end - from));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stage compression

// Work on at most this many averaged points: 30 days at 1 s become 10 s buckets, far finer
// than any plan of a few hundred stages can follow.
constexpr size_t kMaxWork = size_t{1} << 18;
// No load tool sends more; rates above it are a mistake (a profile in requests per hour read
// as per second, a unit slip), and k6's VU counts overflow beyond ~1e18.
constexpr double kMaxExportRps = 1e9;
// Vegeta's `per` is a Go duration (at most ~292 years); 100 requests over more than ten years
// is no rate at all.
constexpr double kMaxVegetaPerMs = 10 * 365.25 * 86'400'000.0;

struct Knot {
  int64_t t;      // ms since the profile start
  double rps;
  bool fixed;     // part of the peak plateau: not rescaled
};

// Squared error of the chord through (a, y[a]) and (b, y[b]) against y[a..b], in O(1) from
// prefix sums. Local coordinates (u = i - a) and closed forms for the sums of u and u^2 keep
// the cancellation small.
class ChordErrors {
 public:
  explicit ChordErrors(const std::vector<double>& y) : y_(y), sy_(y.size() + 1), sxy_(y.size() + 1), syy_(y.size() + 1) {
    for (size_t i = 0; i < y.size(); ++i) {
      const long double v = y[i];
      sy_[i + 1] = sy_[i] + v;
      sxy_[i + 1] = sxy_[i] + static_cast<long double>(i) * v;
      syy_[i + 1] = syy_[i] + v * v;
    }
  }

  long double TotalSquares() const { return syy_.back(); }

  long double Error(size_t a, size_t b) const {
    if (b < a + 2) return 0;
    const long double len = static_cast<long double>(b - a);
    const long double n = len + 1;
    const long double ya = y_[a];
    const long double beta = (static_cast<long double>(y_[b]) - ya) / len;
    const long double sy = sy_[b + 1] - sy_[a];
    const long double sxy = (sxy_[b + 1] - sxy_[a]) - static_cast<long double>(a) * sy;
    const long double syy = syy_[b + 1] - syy_[a];
    const long double su = len * (len + 1) / 2;
    const long double suu = len * (len + 1) * (2 * len + 1) / 6;
    const long double e = syy - 2 * (ya * sy + beta * sxy) + ya * ya * n + 2 * ya * beta * su +
                          beta * beta * suu;
    return std::max<long double>(e, 0);
  }

 private:
  const std::vector<double>& y_;
  std::vector<long double> sy_, sxy_, syy_;
};

// A segment [a, b] of the knot chain, its chord error, and where splitting it leaves the least.
// The worst segment is split first, even when one split alone does not help (a jump needs a
// knot on each side of it before the error falls).
struct Split {
  long double error;
  size_t a, s, b;
  bool operator<(const Split& o) const {
    // Ties broken by position so the result never depends on the queue's internals.
    return std::tie(error, o.a) < std::tie(o.error, a);
  }
};

Split BestSplit(const ChordErrors& errors, size_t a, size_t b) {
  Split best{.error = errors.Error(a, b), .a = a, .s = a, .b = b};
  if (b < a + 2) return best;
  long double least = -1;
  for (size_t s = a + 1; s < b; ++s) {
    const long double left = errors.Error(a, s) + errors.Error(s, b);
    if (least < 0 || left < least) {
      least = left;
      best.s = s;
    }
  }
  return best;
}

// Indices of the knots (always 0 and y.size() - 1), at most max_stages + 1 of them.
std::vector<size_t> GreedyKnots(const std::vector<double>& y, size_t max_stages) {
  const size_t last = y.size() - 1;
  std::vector<size_t> knots = {0, last};
  const ChordErrors errors(y);
  const long double negligible = 1e-12L * errors.TotalSquares();
  std::priority_queue<Split> queue;
  queue.push(BestSplit(errors, 0, last));
  while (knots.size() < max_stages + 1 && !queue.empty()) {
    const Split top = queue.top();
    queue.pop();
    if (!(top.error > negligible) || top.s == top.a) break;
    knots.push_back(top.s);
    queue.push(BestSplit(errors, top.a, top.s));
    queue.push(BestSplit(errors, top.s, top.b));
  }
  std::sort(knots.begin(), knots.end());
  return knots;
}

// Least-squares values at the knots of the continuous piecewise-linear function (in index
// space) closest to y: a tridiagonal system, solved by the Thomas algorithm (stable: the
// matrix is symmetric positive definite, every knot having a point of its own).
std::vector<double> FitKnotValues(const std::vector<double>& y, const std::vector<size_t>& knots) {
  const size_t k = knots.size();
  std::vector<double> diag(k, 0), off(k, 0), rhs(k, 0);
  for (size_t j = 0; j + 1 < k; ++j) {
    const double len = static_cast<double>(knots[j + 1] - knots[j]);
    for (size_t i = knots[j]; i < knots[j + 1]; ++i) {
      const double l = static_cast<double>(i - knots[j]) / len;
      diag[j] += (1 - l) * (1 - l);
      off[j] += l * (1 - l);
      diag[j + 1] += l * l;
      rhs[j] += (1 - l) * y[i];
      rhs[j + 1] += l * y[i];
    }
  }
  diag[k - 1] += 1;
  rhs[k - 1] += y[knots[k - 1]];
  // Forward elimination, then back substitution.
  for (size_t j = 1; j < k; ++j) {
    const double w = off[j - 1] / diag[j - 1];
    diag[j] -= w * off[j - 1];
    rhs[j] -= w * rhs[j - 1];
  }
  std::vector<double> x(k);
  x[k - 1] = rhs[k - 1] / diag[k - 1];
  for (size_t j = k - 1; j-- > 0;) x[j] = (rhs[j] - off[j] * x[j + 1]) / diag[j];
  return x;
}

// Drops knots that lie on the line through their neighbours (plateaus of a step function, a
// constant profile): they cost a stage and change nothing.
void DropCollinear(std::vector<Knot>& knots, double tolerance) {
  std::vector<Knot> kept;
  for (size_t j = 0; j < knots.size(); ++j) {
    if (!kept.empty() && j + 1 < knots.size() && !knots[j].fixed) {
      const Knot& a = kept.back();
      const Knot& b = knots[j + 1];
      const double l = static_cast<double>(knots[j].t - a.t) / static_cast<double>(b.t - a.t);
      if (std::abs(a.rps + (b.rps - a.rps) * l - knots[j].rps) <= tolerance) continue;
    }
    kept.push_back(knots[j]);
  }
  knots = std::move(kept);
}

double EvalKnots(const std::vector<Knot>& knots, int64_t t) {
  if (t <= knots.front().t) return knots.front().rps;
  if (t >= knots.back().t) return knots.back().rps;
  const auto it = std::upper_bound(knots.begin(), knots.end(), t,
                                   [](int64_t v, const Knot& k) { return v < k.t; });
  const Knot& b = *it;
  const Knot& a = *(it - 1);
  const double l = static_cast<double>(t - a.t) / static_cast<double>(b.t - a.t);
  return a.rps + (b.rps - a.rps) * l;
}

// Requests (rps x seconds) under the plan; each knot weighs half of its two neighbouring spans.
double Requests(const std::vector<Knot>& knots) {
  double sum = 0;
  for (size_t j = 0; j + 1 < knots.size(); ++j) {
    sum += 0.5 * (knots[j].rps + knots[j + 1].rps) * static_cast<double>(knots[j + 1].t - knots[j].t);
  }
  return sum / 1000.0;
}

// Scales the free knots so the plan carries `requests` (never below zero).
void Rescale(std::vector<Knot>& knots, double requests) {
  double fixed = 0, free = 0;
  for (size_t j = 0; j < knots.size(); ++j) {
    const int64_t left = j > 0 ? knots[j].t - knots[j - 1].t : 0;
    const int64_t right = j + 1 < knots.size() ? knots[j + 1].t - knots[j].t : 0;
    const double weight = 0.5 * static_cast<double>(left + right) / 1000.0;
    (knots[j].fixed ? fixed : free) += knots[j].rps * weight;
  }
  if (!(free > 0)) return;
  const double scale = std::max(0.0, (requests - fixed) / free);
  for (Knot& k : knots) {
    if (!k.fixed) k.rps *= scale;
  }
}

double PeakOf(const std::vector<Knot>& knots) {
  double peak = 0;
  for (const Knot& k : knots) peak = std::max(peak, k.rps);
  return peak;
}

// The integral of the plan (rps x ms) from 0 to t, with `cumulative[j]` the integral up to knot j.
double IntegralTo(const std::vector<Knot>& knots, const std::vector<double>& cumulative, int64_t t) {
  if (t <= knots.front().t) return 0;
  if (t >= knots.back().t) return cumulative.back();
  const auto it = std::upper_bound(knots.begin(), knots.end(), t,
                                   [](int64_t v, const Knot& k) { return v < k.t; });
  const size_t j = static_cast<size_t>(it - knots.begin()) - 1;
  const double at_t = EvalKnots(knots, t);
  return cumulative[j] + 0.5 * (knots[j].rps + at_t) * static_cast<double>(t - knots[j].t);
}

// ---------------------------------------------------------------------------------------------
// Writing

// Fixed notation with at most `decimals` decimals, trailing zeros dropped: 12.5, 3, 0.125.
std::string Num(double v, int decimals = 3) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  std::string s(buf, ec == std::errc() ? end : buf);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string Seconds(Duration d) { return Num(static_cast<double>(d.count()) / 1000.0); }

// A quoted string literal for JavaScript and Python ('...'), Scala ("...") or bash ('...').
std::string QuoteC(std::string_view s, char quote) {
  std::string out(1, quote);
  for (char c : s) {
    if (c == '\\' || c == quote) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

std::string QuoteBash(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string Summary(const StagePlan& plan) {
  return std::to_string(plan.stages.size()) + " stages over " + FormatGoDuration(plan.TotalDuration()) +
         " (profile from " + FormatRfc3339(plan.start) + ": " + Num(plan.profile_requests, 0) +
         " requests, peak " + Num(plan.profile_peak_rps) + " rps)";
}

// A rate per unit, with the unit chosen so that integers keep about three significant digits
// (k6 and Vegeta take integer rates): "1s" from 100 rps up, "1m" down to 100 per minute, else "1h".
struct RateUnit {
  const char* name;
  double seconds;
};
constexpr RateUnit kUnits[] = {{"1s", 1}, {"1m", 60}, {"1h", 3600}, {"24h", 86400}};
RateUnit UnitFor(double rps) {
  if (std::round(rps) >= 100) return kUnits[0];
  if (std::round(rps * 60) >= 100) return kUnits[1];
  return kUnits[2];
}

// Requests of a plan whose knot rates are first passed through `rounded` (what a script
// writes), the rate linear between knots.
template <typename Round>
double RoundedRequests(const StagePlan& plan, Round rounded) {
  double total = 0, from = rounded(plan.start_rps);
  for (const Stage& st : plan.stages) {
    const double to = rounded(st.target_rps);
    total += 0.5 * (from + to) * static_cast<double>(st.duration.count()) / 1000.0;
    from = to;
  }
  return total;
}

// k6's one timeUnit for the whole scenario: as UnitFor(peak), but coarser while a rate the plan
// holds (any knot from 0.1 % of the peak up) would be rounded by more than 5 % (under 10 requests
// per unit), or the rounding loses more than 0.5 % of the requests: an hour at 0.4 rps after one
// at 100 rps must not become an hour at 0, and neither may a day at 0.4 rps around one minute
// at 1000 (k6 had sent 63 % of that profile; found by probing).
RateUnit K6Unit(const StagePlan& plan) {
  double peak = plan.start_rps, low = std::numeric_limits<double>::infinity();
  for (const Stage& st : plan.stages) peak = std::max(peak, st.target_rps);
  auto consider = [&](double rps) {
    if (rps >= 0.001 * peak && rps > 0) low = std::min(low, rps);
  };
  consider(plan.start_rps);
  for (const Stage& st : plan.stages) consider(st.target_rps);
  const RateUnit by_peak = UnitFor(peak);
  const double exact = RoundedRequests(plan, [](double rps) { return rps; });
  for (const RateUnit& unit : kUnits) {
    if (unit.seconds < by_peak.seconds) continue;
    const double sent = RoundedRequests(
        plan, [&](double rps) { return std::round(rps * unit.seconds) / unit.seconds; });
    const bool total_kept = !(exact > 0) || std::abs(sent - exact) <= 0.005 * exact;
    if ((!std::isfinite(low) || low * unit.seconds >= 10) && total_kept) return unit;
  }
  return kUnits[std::size(kUnits) - 1];
}

// Vegeta's constant-rate steps: each stage cut into pieces at the stage's mean rate over the
// piece, with the rate moving by at most `vegeta_max_step_change` of the peak between pieces.
struct VegetaStep {
  int64_t freq = 0;  // requests per `per`; 0: a pause
  Duration per{1000};
  int64_t ms = 0;
  std::string Rate() const {
    return freq > 0 ? std::to_string(freq) + "/" + FormatGoDuration(per) : "0";
  }
  // What `vegeta attack -rate=freq/per -duration=ms` sends: a hit every per/freq, the first one
  // interval in, so a step ends with floor(ms / interval) hits.
  double Hits() const {
    if (freq <= 0) return 0;
    const double interval_ms = static_cast<double>(per.count()) / static_cast<double>(freq);
    return std::floor(static_cast<double>(ms) / interval_ms + 1e-9);
  }
};

std::vector<VegetaStep> VegetaSteps(const StagePlan& plan, const ExportOptions& options) {
  std::vector<VegetaStep> steps;
  const double peak = std::max(plan.plan_peak_rps, plan.start_rps);
  const double max_change = std::max(options.vegeta_max_step_change, 1e-6) * peak;
  auto add = [&](double rps, int64_t ms) {
    // At least 100 requests per `per` where a whole second, minute or hour allows it; below
    // 100 an hour, 100 requests per however many seconds hold them (Vegeta reads any Go
    // duration there), so a rate keeps three digits however low it is.
    VegetaStep step{.ms = ms};
    const RateUnit unit = UnitFor(rps);
    if (std::round(rps * unit.seconds) >= 100) {
      step.freq = static_cast<int64_t>(std::round(rps * unit.seconds));
      step.per = Duration(static_cast<int64_t>(unit.seconds * 1000));
    } else if (rps > 0 && 100'000.0 / rps < kMaxVegetaPerMs) {  // else a pause: < 1 a decade
      step.freq = 100;
      step.per = Duration(std::llround(100'000.0 / rps));
    }
    if (!steps.empty() && steps.back().Rate() == step.Rate()) {
      steps.back().ms += ms;
    } else {
      steps.push_back(step);
    }
  };
  double from = plan.start_rps;
  for (const Stage& st : plan.stages) {
    const int64_t d = st.duration.count();
    const double change = std::abs(st.target_rps - from);
    int64_t pieces = max_change > 0 ? static_cast<int64_t>(std::ceil(change / max_change)) : 1;
    pieces = std::clamp<int64_t>(pieces, 1, std::max<int64_t>(1, d / 1000));
    for (int64_t i = 0; i < pieces; ++i) {
      const int64_t a = d * i / pieces, b = d * (i + 1) / pieces;
      const double mid = (static_cast<double>(a + b) / 2.0) / static_cast<double>(d);
      add(from + (st.target_rps - from) * mid, b - a);
    }
    from = st.target_rps;
  }
  return steps;
}

int64_t CeilPositive(double v) { return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(v - 1e-9))); }

}  // namespace

// ---------------------------------------------------------------------------------------------

Result<Series> ParseProfileCsv(std::string_view text, std::string_view name) {
  const std::string file(name);
  auto fail = [&](size_t line, const std::string& message) {
    return Fail(ErrorCode::kInvalidArgument, file + ":" + std::to_string(line) + ": " + message);
  };
  Series out;
  size_t rps_column = 1;
  bool first_line = true;
  TimePoint previous{};
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (Trim(line).empty()) continue;
    const std::string_view stamp = *Field(line, 0);
    auto t = ParseTimestamp(stamp);
    if (first_line) {
      first_line = false;
      if (!t) {
        // A header: find the rate column by name.
        bool found = false;
        for (size_t i = 0; auto f = Field(line, i); ++i) {
          if (Lower(*f) == "rps") {
            rps_column = i;
            found = true;
            break;
          }
        }
        if (!found) return fail(line_no, "the header has no 'rps' column (expected timestamp,rps)");
        continue;
      }
    }
    if (!t) return fail(line_no, "'" + std::string(stamp) + "' is not a timestamp: " + t.error().message());
    const auto field = Field(line, rps_column);
    if (!field || field->empty()) return fail(line_no, "no rate in column " + std::to_string(rps_column + 1));
    double rps = 0;
    const auto [end, ec] = std::from_chars(field->data(), field->data() + field->size(), rps);
    if (ec != std::errc() || end != field->data() + field->size() || !std::isfinite(rps)) {
      return fail(line_no, "rate '" + std::string(*field) + "' is not a number");
    }
    if (rps < 0) return fail(line_no, "rate '" + std::string(*field) + "' is negative");
    if (out.values.empty()) {
      out.start = *t;
    } else if (out.values.size() == 1) {
      if (*t <= previous) {
        return fail(line_no, "timestamp " + std::string(stamp) + " does not come after the previous row's");
      }
      out.step = *t - previous;
    } else if (*t != previous + out.step) {
      return fail(line_no, "timestamp " + std::string(stamp) + " is not one step (" +
                               FormatDuration(out.step) + ") after the previous row's (" +
                               FormatRfc3339(previous) + "): a profile has one row per step");
    }
    previous = *t;
    out.values.push_back(rps);
  }
  if (out.values.empty()) {
    return Fail(ErrorCode::kInvalidArgument, file + ": no data rows: the profile is empty");
  }
  if (out.values.size() == 1) {
    return Fail(ErrorCode::kInvalidArgument,
                file + ": only one data row: at least two are needed to know the profile's step");
  }
  return out;
}

Result<Series> ReadProfileCsv(const std::string& path) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) {
    const int err = errno;
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                path + ": cannot open: " + std::strerror(err));
  }
  std::string text;
  char buffer[1 << 16];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, got);
  const bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (failed) return Fail(ErrorCode::kIo, path + ": read failed");
  return ParseProfileCsv(text, path == "-" ? "<stdin>" : path);
}

double StagePlan::RequestError() const {
  return profile_requests > 0 ? (plan_requests - profile_requests) / profile_requests : 0.0;
}

double StagePlan::PeakError() const {
  return profile_peak_rps > 0 ? (plan_peak_rps - profile_peak_rps) / profile_peak_rps : 0.0;
}

Duration StagePlan::TotalDuration() const {
  Duration total{0};
  for (const Stage& s : stages) total += s.duration;
  return total;
}

double StagePlan::RateAt(Duration since) const {
  double from = start_rps;
  Duration at{0};
  for (const Stage& s : stages) {
    if (since < at + s.duration) {
      const double l = static_cast<double>((since - at).count()) / static_cast<double>(s.duration.count());
      return from + (s.target_rps - from) * std::max(l, 0.0);
    }
    at += s.duration;
    from = s.target_rps;
  }
  return from;
}

Result<StagePlan> CompressProfile(const Series& profile, const CompressOptions& options) {
  if (profile.empty()) return Fail(ErrorCode::kInvalidArgument, "the profile is empty: nothing to export");
  if (options.max_stages == 0) return Fail(ErrorCode::kInvalidArgument, "--max-stages must be at least 1");
  if (profile.step.count() <= 0) return Fail(ErrorCode::kInvalidArgument, "the profile's step must be positive");
  const size_t n = profile.size();
  const int64_t step = profile.step.count();
  const int64_t total = step * static_cast<int64_t>(n);
  double requests = 0, peak = 0;
  size_t peak_at = 0;
  for (size_t i = 0; i < n; ++i) {
    const double v = profile.values[i];
    if (!(v >= 0) || !std::isfinite(v)) {
      return Fail(ErrorCode::kInvalidArgument, "the profile's rate at " + FormatRfc3339(profile.TimeAt(i)) +
                                                   " is " + Num(v) + ": rates must be finite and >= 0");
    }
    if (v > kMaxExportRps) {
      char text[32];
      std::snprintf(text, sizeof text, "%.3g", v);
      return Fail(ErrorCode::kInvalidArgument,
                  "the profile's rate at " + FormatRfc3339(profile.TimeAt(i)) + " is " + text +
                      " requests/s: more than any load tool sends (at most 1e9); scale the profile "
                      "down (generate profile --peak-rps)");
    }
    requests += v;
    if (v > peak) {
      peak = v;
      peak_at = i;
    }
  }
  requests *= static_cast<double>(step) / 1000.0;

  // 1. Averaged buckets of g points.
  const size_t g = (n + kMaxWork - 1) / kMaxWork;
  const size_t m = (n + g - 1) / g;
  std::vector<double> y(m, 0);
  for (size_t k = 0; k < m; ++k) {
    const size_t from = k * g, to = std::min(n, from + g);
    double sum = 0;
    for (size_t i = from; i < to; ++i) sum += profile.values[i];
    y[k] = sum / static_cast<double>(to - from);
  }
  // Bucket k's knot sits at its centre; the first and last knots are stretched to the plan's
  // ends so the plan covers the whole profile without two extra flat stages.
  auto time_of = [&](size_t k) -> int64_t {
    if (k == 0) return 0;
    if (k == m - 1) return total;
    const size_t width = std::min(g, n - k * g);
    return static_cast<int64_t>(k * g) * step + static_cast<int64_t>(width) * step / 2;
  };

  // 2 and 3. Knots and their least-squares values.
  const bool room_for_peak = options.max_stages >= 8;
  auto smooth_plan = [&](const std::vector<double>& points) {
    std::vector<Knot> knots;
    if (m == 1) {
      knots = {{0, points[0], false}, {total, points[0], false}};
    } else {
      const std::vector<size_t> at =
          GreedyKnots(points, room_for_peak ? options.max_stages - 4 : options.max_stages);
      const std::vector<double> values = FitKnotValues(points, at);
      for (size_t j = 0; j < at.size(); ++j) {
        knots.push_back({time_of(at[j]), std::max(values[j], 0.0), false});
      }
      DropCollinear(knots, 1e-9 * peak);
    }
    return knots;
  };
  std::vector<Knot> knots = smooth_plan(y);
  Rescale(knots, requests);

  // 4. The peak plateau, when the smooth plan misses the peak, or overshoots it: a peak in the
  // first or last step, whose knot is stretched to the plan's end, carried too few requests,
  // and the rescaling lifted the whole plan (+26 %, peak and background; found by probing).
  const double plan_peak = PeakOf(knots);
  if (peak > 0 && (plan_peak < peak * (1 - options.peak_tolerance) ||
                   plan_peak > peak * (1 + options.peak_tolerance))) {
    const int64_t tp = static_cast<int64_t>(peak_at) * step;
    // The ramps lie inside the peak's step and are short (a thousandth of it), and the plateau
    // is raised by what they leave out, so the step carries exactly the peak's requests: ramps
    // outside it (half a step, then a hundredth) carried requests the profile never had, which
    // the rescaling took from the background (10.8 % of it beside an hour at 5000; found by
    // probing). A step too short for that keeps ramps outside it.
    const int64_t ramp = std::max<int64_t>(1, step / 1000);
    const bool inside = step >= 3 * ramp;
    const int64_t lo = inside ? tp : std::max<int64_t>(0, tp - ramp);
    const int64_t hi = inside ? tp + step : std::min<int64_t>(total, tp + step + ramp);
    // The plateau carries the peak: the smooth plan is refitted without it (its bucket as the
    // mean of its neighbours), or its knots around the peak keep bending up towards it (a
    // knot of 1133 rps beside a 5000 rps first step took most of a background of 10).
    std::vector<Knot> base = knots;
    if (g == 1 && m > 2) {
      std::vector<double> without = y;
      const size_t k = peak_at;
      without[k] = k == 0 ? y[1] : k == m - 1 ? y[m - 2] : 0.5 * (y[k - 1] + y[k + 1]);
      base = smooth_plan(without);
    }
    std::vector<Knot> with_peak;
    for (const Knot& k : base) {
      if (k.t < lo || k.t > hi) with_peak.push_back(k);
    }
    if (inside) {
      const bool left = tp > 0, right = tp + step < total;
      const double l = left ? EvalKnots(base, tp) : 0, r = right ? EvalKnots(base, tp + step) : 0;
      const double sides = (left ? 1.0 : 0.0) + (right ? 1.0 : 0.0);
      const double s = static_cast<double>(step), q = static_cast<double>(ramp);
      const double plateau = std::max(0.0, (peak * s - q * (l + r) / 2) / (s - sides * q / 2));
      if (left) with_peak.push_back({tp, l, false});
      with_peak.push_back({left ? tp + ramp : tp, plateau, true});
      with_peak.push_back({right ? tp + step - ramp : tp + step, plateau, true});
      if (right) with_peak.push_back({tp + step, r, false});
    } else {
      if (lo < tp) with_peak.push_back({lo, EvalKnots(base, lo), false});
      with_peak.push_back({tp, peak, true});
      with_peak.push_back({tp + step, peak, true});
      if (hi > tp + step) with_peak.push_back({hi, EvalKnots(base, hi), false});
    }
    std::sort(with_peak.begin(), with_peak.end(), [](const Knot& a, const Knot& b) { return a.t < b.t; });
    if (with_peak.size() - 1 <= options.max_stages) {
      knots = std::move(with_peak);
      Rescale(knots, requests);
    }
  }

  StagePlan plan{.start = profile.start, .start_rps = knots.front().rps};
  for (size_t j = 1; j < knots.size(); ++j) {
    plan.stages.push_back({.duration = Duration{knots[j].t - knots[j - 1].t}, .target_rps = knots[j].rps});
  }
  plan.profile_requests = requests;
  plan.plan_requests = Requests(knots);
  plan.profile_peak_rps = peak;
  plan.plan_peak_rps = PeakOf(knots);

  // Shape error over about 1000 windows of whole buckets.
  std::vector<double> cumulative(knots.size(), 0);
  for (size_t j = 1; j < knots.size(); ++j) {
    cumulative[j] = cumulative[j - 1] +
                    0.5 * (knots[j - 1].rps + knots[j].rps) * static_cast<double>(knots[j].t - knots[j - 1].t);
  }
  const size_t per_window = (m + 999) / 1000;
  double deviation = 0;
  for (size_t k0 = 0; k0 < m; k0 += per_window) {
    const size_t k1 = std::min(m, k0 + per_window);
    const size_t i0 = k0 * g, i1 = std::min(n, k1 * g);
    double actual = 0;
    for (size_t i = i0; i < i1; ++i) actual += profile.values[i];
    actual *= static_cast<double>(step);
    const int64_t t0 = static_cast<int64_t>(i0) * step, t1 = static_cast<int64_t>(i1) * step;
    deviation += std::abs(IntegralTo(knots, cumulative, t1) - IntegralTo(knots, cumulative, t0) - actual);
  }
  plan.shape_error = requests > 0 ? deviation / 1000.0 / requests : 0.0;
  plan.shape_window = Duration{static_cast<int64_t>(per_window * g) * step};
  return plan;
}

Result<ExportFormat> ParseExportFormat(std::string_view text) {
  const std::string lower = Lower(text);
  if (lower == "k6") return ExportFormat::kK6;
  if (lower == "locust") return ExportFormat::kLocust;
  if (lower == "vegeta") return ExportFormat::kVegeta;
  if (lower == "gatling") return ExportFormat::kGatling;
  return Fail(ErrorCode::kInvalidArgument,
              "--format: unknown format '" + std::string(text) + "' (expected k6, locust, vegeta or gatling)");
}

std::string_view ExportFormatName(ExportFormat format) {
  switch (format) {
    case ExportFormat::kK6:
      return "k6";
    case ExportFormat::kLocust:
      return "locust";
    case ExportFormat::kVegeta:
      return "vegeta";
    case ExportFormat::kGatling:
      return "gatling";
  }
  return "k6";
}

std::string FormatGoDuration(Duration d) {
  int64_t ms = d.count();
  if (ms <= 0) return "0s";
  std::string out;
  const int64_t h = ms / 3'600'000, m = ms / 60'000 % 60, s = ms / 1000 % 60;
  ms %= 1000;
  if (h > 0) out += std::to_string(h) + "h";
  if (m > 0) out += std::to_string(m) + "m";
  if (s > 0) out += std::to_string(s) + "s";
  if (ms > 0) out += std::to_string(ms) + "ms";
  return out;
}

Result<void> CheckTarget(std::string_view url) {
  const bool scheme = url.starts_with("http://") || url.starts_with("https://");
  const size_t host = scheme ? url.find("://") + 3 : 0;
  if (!scheme || host >= url.size() || url[host] == '/') {
    return Fail(ErrorCode::kInvalidArgument,
                "'" + std::string(url) + "': expected an http:// or https:// URL with a host");
  }
  for (unsigned char c : url) {
    if (c <= ' ' || c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a URL has no spaces or control characters (found byte " +
                      std::to_string(static_cast<int>(c)) + ")");
    }
  }
  // The scripts are UTF-8 source: a stray byte made the Locust script a SyntaxError (found by
  // probing). Well-formed UTF-8 only (no overlong forms, surrogates or code points past U+10FFFF).
  for (size_t i = 0; i < url.size();) {
    const auto c = static_cast<unsigned char>(url[i]);
    const size_t len = c < 0x80           ? 1
                       : (c >> 5) == 0x6  ? 2
                       : (c >> 4) == 0xe  ? 3
                       : (c >> 3) == 0x1e ? 4
                                          : 0;
    bool ok = len > 0 && i + len <= url.size();
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; ok && k < len; ++k) {
      const auto next = static_cast<unsigned char>(url[i + k]);
      ok = (next & 0xc0) == 0x80;
      cp = (cp << 6) | (next & 0x3f);
    }
    constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kSmallest[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    if (!ok) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the URL is not valid UTF-8 (at byte " + std::to_string(i) + ")");
    }
    i += len;
  }
  return {};
}

double ExportedRequests(const StagePlan& plan, const ExportOptions& options) {
  switch (options.format) {
    case ExportFormat::kK6: {
      const RateUnit unit = K6Unit(plan);
      return RoundedRequests(
          plan, [&](double rps) { return std::round(rps * unit.seconds) / unit.seconds; });
    }
    case ExportFormat::kVegeta: {
      double hits = 0;
      for (const VegetaStep& st : VegetaSteps(plan, options)) hits += st.Hits();
      return hits;
    }
    case ExportFormat::kLocust:
    case ExportFormat::kGatling:
      return RoundedRequests(plan, [](double rps) { return std::round(rps * 1e6) / 1e6; });
  }
  return plan.plan_requests;
}

std::string RenderExport(const StagePlan& plan, const ExportOptions& options) {
  switch (options.format) {
    case ExportFormat::kK6:
      return RenderK6(plan, options);
    case ExportFormat::kLocust:
      return RenderLocust(plan, options);
    case ExportFormat::kVegeta:
      return RenderVegetaScript(plan, options);
    case ExportFormat::kGatling:
      return RenderGatling(plan, options);
  }
  return RenderK6(plan, options);
}

std::string RenderK6(const StagePlan& plan, const ExportOptions& options) {
  // k6 takes integer rates per timeUnit (K6Unit).
  const double peak = std::max(plan.plan_peak_rps, plan.start_rps);
  const RateUnit unit = K6Unit(plan);
  auto rate = [&](double rps) { return Num(std::round(rps * unit.seconds), 0); };
  const auto seconds = [](Duration d) { return static_cast<double>(d.count()) / 1000.0; };
  const int64_t pre = CeilPositive(peak * seconds(options.expected_latency));
  const int64_t max_vus = std::max(pre, CeilPositive(peak * seconds(options.max_latency)));
  std::string s;
  s += "// forescale load profile for k6: " + Summary(plan) + ".\n";
  s += "// The rate ramps linearly through the stages (ramping-arrival-rate, an open model: requests\n";
  s += "// start on schedule whatever the response times). Rates are requests per timeUnit.\n";
  s += "// VUs: one per request in flight; preAllocatedVUs covers " + Seconds(options.expected_latency) +
       " s responses at the peak, maxVUs " + Seconds(options.max_latency) + " s.\n";
  s += "// Run: k6 run -e TARGET=http://host:port/path script.js\n";
  s += "import http from 'k6/http';\n\n";
  s += "const TARGET = __ENV.TARGET || " + QuoteC(options.target, '\'') + ";\n\n";
  s += "export const options = {\n";
  s += "  discardResponseBodies: true,\n";
  s += "  scenarios: {\n";
  s += "    forescale: {\n";
  s += "      executor: 'ramping-arrival-rate',\n";
  s += "      startRate: " + rate(plan.start_rps) + ",\n";
  s += std::string("      timeUnit: '") + unit.name + "',\n";
  s += "      preAllocatedVUs: " + std::to_string(pre) + ",\n";
  s += "      maxVUs: " + std::to_string(max_vus) + ",\n";
  s += "      stages: [\n";
  for (const Stage& st : plan.stages) {
    s += "        { target: " + rate(st.target_rps) + ", duration: '" + FormatGoDuration(st.duration) + "' },\n";
  }
  s += "      ],\n";
  s += "    },\n";
  s += "  },\n";
  s += "};\n\n";
  s += "export default function () {\n";
  s += "  http.get(TARGET);\n";
  s += "}\n";
  return s;
}

std::string RenderLocust(const StagePlan& plan, const ExportOptions& options) {
  const double user_rps = options.user_rps > 0 ? options.user_rps : 1.0;
  // Spawn fast enough to follow the steepest ramp (users per second), at least 1.
  double spawn = 1;
  double from = plan.start_rps;
  for (const Stage& st : plan.stages) {
    const double users = std::abs(st.target_rps - from) / user_rps;
    spawn = std::max(spawn, std::ceil(users / (static_cast<double>(st.duration.count()) / 1000.0)));
    from = st.target_rps;
  }
  std::string s;
  s += "\"\"\"forescale load profile for Locust: " + Summary(plan) + ".\n\n";
  s += "Locust controls users, not request rates. The shape runs ceil(rps / USER_RPS) users and\n";
  s += "paces each at rps / users requests per second (at most USER_RPS), so the users together\n";
  s += "make the profile's rate as long as one request takes less than users / rps seconds. The\n";
  s += "rate ramps linearly through STAGES.\n\n";
  s += "Run: TARGET=http://host:port/path locust -f this_file.py --headless\n";
  s += "\"\"\"\n";
  s += "import math\n";
  s += "import os\n\n";
  s += "from locust import HttpUser, LoadTestShape, constant_throughput, task\n\n";
  s += "TARGET = os.environ.get(\"TARGET\", " + QuoteC(options.target, '\'') + ")\n";
  s += "USER_RPS = " + Num(user_rps, 9) + "\n";
  s += "SPAWN_RATE = " + Num(spawn, 0) + "\n";
  s += "START_RPS = " + Num(plan.start_rps, 6) + "\n";
  s += "# (end of the stage in seconds since the start, requests/s at its end)\n";
  s += "STAGES = [\n";
  Duration at{0};
  for (const Stage& st : plan.stages) {
    at += st.duration;
    s += "    (" + Seconds(at) + ", " + Num(st.target_rps, 6) + "),\n";
  }
  s += "]\n\n\n";
  s += "# Requests per second each user makes now; the shape sets it at every tick.\n";
  s += "PACE = {\"per_user_rps\": USER_RPS}\n\n\n";
  s += "class ForescaleUser(HttpUser):\n";
  s += "    host = TARGET\n\n";
  s += "    def wait_time(self):\n";
  s += "        return constant_throughput(PACE[\"per_user_rps\"])(self)\n\n";
  s += "    @task\n";
  s += "    def request(self):\n";
  s += "        self.client.get(TARGET)\n\n\n";
  s += "class ForescaleShape(LoadTestShape):\n";
  s += "    def tick(self):\n";
  s += "        t = self.get_run_time()\n";
  s += "        start, rate = 0.0, START_RPS\n";
  s += "        for end, target in STAGES:\n";
  s += "            if t < end:\n";
  s += "                rps = rate + (target - rate) * (t - start) / (end - start)\n";
  s += "                users = math.ceil(rps / USER_RPS - 1e-9)\n";
  s += "                if users > 0:\n";
  s += "                    PACE[\"per_user_rps\"] = rps / users\n";
  s += "                return (users, SPAWN_RATE)\n";
  s += "            start, rate = end, target\n";
  s += "        return None\n";
  return s;
}

std::string RenderVegetaTargets(const ExportOptions& options) { return "GET " + options.target + "\n"; }

std::string RenderVegetaScript(const StagePlan& plan, const ExportOptions& options) {
  const std::vector<VegetaStep> steps = VegetaSteps(plan, options);
  std::string s;
  s += "#!/usr/bin/env bash\n";
  s += "# forescale load profile for Vegeta: " + Summary(plan) + ".\n";
  s += "# Vegeta's rate is constant during one `vegeta attack`, so each ramp runs as short constant\n";
  s += "# steps (" + std::to_string(steps.size()) +
       " here), each at the ramp's mean rate over the step: request counts are kept and\n";
  s += "# the rate moves by at most " + Num(100 * options.vegeta_max_step_change, 2) +
       " % of the peak from one step to the next. A zero rate is a\n";
  s += "# pause (vegeta reads -rate=0 as 'as fast as possible').\n";
  s += "# Targets: $TARGETS if set; else GET $TARGET if set; else the targets file beside this script;\n";
  s += "# else GET " + options.target + ".\n";
  s += "# Run: bash this_script > report.txt\n";
  s += "set -euo pipefail\n\n";
  s += "default_target=" + QuoteBash(options.target) + "\n";
  s += "here=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"\n";
  s += "if [[ -n \"${TARGETS:-}\" ]]; then\n";
  s += "  targets=\"$TARGETS\"\n";
  if (!options.vegeta_targets_file.empty()) {
    s += "elif [[ -z \"${TARGET:-}\" && -f \"$here/\"" + QuoteBash(options.vegeta_targets_file) + " ]]; then\n";
    s += "  targets=\"$here/\"" + QuoteBash(options.vegeta_targets_file) + "\n";
  }
  s += "else\n";
  s += "  targets=\"$(mktemp)\"\n";
  s += "  trap 'rm -f \"$targets\"' EXIT\n";
  s += "  printf 'GET %s\\n' \"${TARGET:-$default_target}\" > \"$targets\"\n";
  s += "fi\n\n";
  s += "# One constant-rate step per line: rate (requests/unit, 0 = pause) and seconds.\n";
  s += "plan() {\n";
  s += "  cat <<'PLAN'\n";
  for (const VegetaStep& st : steps) s += st.Rate() + " " + Seconds(Duration{st.ms}) + "\n";
  s += "PLAN\n";
  s += "}\n\n";
  s += "plan | while read -r rate seconds; do\n";
  s += "  if [[ \"$rate\" == 0 ]]; then\n";
  s += "    sleep \"$seconds\"\n";
  s += "  else\n";
  s += "    vegeta attack -targets=\"$targets\" -rate=\"$rate\" -duration=\"${seconds}s\" < /dev/null | vegeta encode\n";
  s += "  fi\n";
  s += "done | vegeta report\n";
  return s;
}

std::string RenderGatling(const StagePlan& plan, const ExportOptions& options) {
  auto duration = [](Duration d) {
    // Long literals: a stage of 25 days is more milliseconds than an Int holds, and scalac
    // refused the script (found by probing).
    return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + "L.seconds"
                                 : std::to_string(d.count()) + "L.milliseconds";
  };
  auto rate = [](double rps) {
    std::string r = Num(rps, 6);
    return r.find('.') == std::string::npos ? r + ".0" : r;
  };
  std::string s;
  s += "// forescale load profile for Gatling: " + Summary(plan) + ".\n";
  s += "// Open injection: each injected user makes one request, so users per second are requests per\n";
  s += "// second; ramps are rampUsersPerSec, flat stages constantUsersPerSec, zero stages nothingFor.\n";
  s += "// Run: put this file with your simulations; TARGET=http://host:port/path to aim elsewhere.\n";
  s += "import scala.concurrent.duration._\n\n";
  s += "import io.gatling.core.Predef._\n";
  s += "import io.gatling.http.Predef._\n\n";
  s += "class " + options.class_name + " extends Simulation {\n";
  s += "  val target: String = sys.env.getOrElse(\"TARGET\", " + QuoteC(options.target, '"') + ")\n";
  s += "  val scn = scenario(\"forescale\").exec(http(\"request\").get(target))\n\n";
  s += "  setUp(\n";
  s += "    scn.inject(\n";
  double from = plan.start_rps;
  for (size_t i = 0; i < plan.stages.size(); ++i) {
    const Stage& st = plan.stages[i];
    const std::string a = rate(from), b = rate(st.target_rps);
    std::string step;
    if (a == b && a == "0.0") {
      step = "nothingFor(" + duration(st.duration) + ")";
    } else if (a == b) {
      step = "constantUsersPerSec(" + a + ").during(" + duration(st.duration) + ")";
    } else {
      step = "rampUsersPerSec(" + a + ").to(" + b + ").during(" + duration(st.duration) + ")";
    }
    s += "      " + step + (i + 1 < plan.stages.size() ? ",\n" : "\n");
    from = st.target_rps;
  }
  s += "    )\n";
  s += "  ).protocols(http)\n";
  s += "}\n";
  return s;
}

}  // namespace forescale::generate
