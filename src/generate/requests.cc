#include "generate/requests.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "core/output_file.h"
#include "core/rng.h"
#include "generate/internal/stats.h"
#include "generate/profile.h"

namespace forescale::generate {
namespace {

constexpr double kMaxRequestRate = 1e9;  // requests/s in any step
constexpr double kMaxRequests = 1e10;    // in the whole sequence

constexpr uint32_t kEnd = std::numeric_limits<uint32_t>::max();
constexpr double kMaxWarmupSeconds = 6 * 3600.0;
// Sessions simulated to learn how a session's requests spread over time: at least 2 000, then
// up to 50 000 or until 2 M requests were simulated.
constexpr int kMinSimulatedSessions = 2000;
constexpr int kSimulatedSessions = 50000;
constexpr size_t kSimulatedRequests = 2'000'000;
// Longest start-rate kernel, in control bins (the bins grow for long sessions).
constexpr double kMaxKernelBins = 256;
// Rounds of the start-rate plan's iteration (see PlanStarts).
constexpr int kPlanRounds = 8;
constexpr uint64_t kIdRange = 99999;  // "{id}" becomes 1 .. 99999, one number per session

// A weighted choice: cumulative weights of the positive entries, and which entry each is.
struct Choice {
  std::vector<double> cum;
  std::vector<uint32_t> index;

  void Add(uint32_t i, double w) {
    if (!(w > 0)) return;
    cum.push_back((cum.empty() ? 0.0 : cum.back()) + w);
    index.push_back(i);
  }
  uint32_t Pick(Rng& rng) const {
    if (index.size() == 1) return index[0];
    const double u = rng.Uniform() * cum.back();
    const size_t k = static_cast<size_t>(std::upper_bound(cum.begin(), cum.end(), u) - cum.begin());
    return index[std::min(k, index.size() - 1)];
  }
};

// A target split at its "{id}"s: pieces[0] id pieces[1] id ... pieces[k].
struct Target {
  std::vector<std::string> pieces;
};

Target SplitAtIds(const std::string& path, bool literal) {
  Target t;
  if (literal) {
    t.pieces.push_back(path);
    return t;
  }
  size_t from = 0;
  for (size_t at; (at = path.find("{id}", from)) != std::string::npos; from = at + 4) {
    t.pieces.push_back(path.substr(from, at - from));
  }
  t.pieces.push_back(path.substr(from));
  return t;
}

// One state of the compiled walk; a workflow step is a state whose choices have one entry.
struct State {
  Choice next;  // entries: a state index or kEnd
  Choice method;
  std::vector<std::string> method_fragments;  // `","method":"GET","path":"`
  Choice target;
  std::vector<Target> targets;
  const std::vector<double>* bytes_quantiles = nullptr;  // null: `fixed_bytes`
  int64_t fixed_bytes = 0;
  double fixed_think_s = -1;  // < 0: draw from the model's think-time quantiles
};

struct Compiled {
  std::vector<State> states;
  Choice start;
  const std::vector<double>* think_quantiles = nullptr;
  bool uses_ids = false;
  size_t max_line = 0;
};

std::string MethodFragment(const std::string& method) {
  return "\",\"method\":\"" + method + "\",\"path\":\"";
}

void Finish(State& s, Compiled& c) {
  size_t longest_method = 0, longest_target = 0;
  for (const auto& f : s.method_fragments) longest_method = std::max(longest_method, f.size());
  for (const auto& t : s.targets) {
    size_t len = 0;
    for (const auto& p : t.pieces) len += p.size() + 10;
    if (t.pieces.size() > 1) c.uses_ids = true;
    longest_target = std::max(longest_target, len);
  }
  // {"t":"<24>  method/path  ","bytes":<20>,"session":"s<20>"}\n
  c.max_line = std::max(c.max_line, 32 + longest_method + longest_target + 80);
}

Compiled Compile(const BehaviourModel& m) {
  Compiled c;
  if (m.IsWorkflows()) {
    for (const Workflow& w : m.workflows) {
      const auto first = static_cast<uint32_t>(c.states.size());
      c.start.Add(first, w.weight);
      for (size_t j = 0; j < w.steps.size(); ++j) {
        const WorkflowStep& step = w.steps[j];
        State s;
        s.next.Add(j + 1 < w.steps.size() ? first + static_cast<uint32_t>(j + 1) : kEnd, 1.0);
        s.method.Add(0, 1.0);
        s.method_fragments.push_back(MethodFragment(step.method));
        s.target.Add(0, 1.0);
        s.targets.push_back(SplitAtIds(step.path, false));
        s.fixed_bytes = step.bytes;
        s.fixed_think_s =
            std::chrono::duration<double>(step.think_time.value_or(w.think_time)).count();
        Finish(s, c);
        c.states.push_back(std::move(s));
      }
    }
    return c;
  }
  const size_t n = m.endpoints.size();
  c.think_quantiles = &m.think_time_quantiles;
  for (size_t i = 0; i < n; ++i) c.start.Add(static_cast<uint32_t>(i), m.start[i]);
  for (const EndpointBehaviour& e : m.endpoints) {
    State s;
    for (size_t j = 0; j < e.next.size(); ++j) {
      s.next.Add(j < n ? static_cast<uint32_t>(j) : kEnd, e.next[j]);
    }
    if (e.methods.empty()) {
      s.method.Add(0, 1.0);
      s.method_fragments.push_back(MethodFragment("GET"));
    }
    for (const auto& [method, w] : e.methods) {
      s.method.Add(static_cast<uint32_t>(s.method_fragments.size()), w);
      s.method_fragments.push_back(MethodFragment(method));
    }
    if (e.examples.empty()) {
      s.target.Add(0, 1.0);
      s.targets.push_back(SplitAtIds(e.path, false));
    }
    for (const auto& [target, w] : e.examples) {
      s.target.Add(static_cast<uint32_t>(s.targets.size()), w);
      s.targets.push_back(SplitAtIds(target, true));
    }
    if (e.bytes_quantiles.size() == 1) {
      s.fixed_bytes = std::llround(e.bytes_quantiles[0]);
    } else if (!e.bytes_quantiles.empty()) {
      s.bytes_quantiles = &e.bytes_quantiles;
    }
    Finish(s, c);
    c.states.push_back(std::move(s));
  }
  return c;
}

double ThinkSeconds(const Compiled& c, const State& s, Rng& rng) {
  if (s.fixed_think_s >= 0) return s.fixed_think_s;
  const auto& q = *c.think_quantiles;
  if (q.size() <= 1) return q.empty() ? 0.0 : q[0];
  return internal::QuantileAtScore(q, rng.Normal());
}

// A session's pending request.
struct Pending {
  double t;          // seconds since the profile's start
  uint64_t session;  // number, in order of start
  uint32_t state;
  uint32_t id;   // what "{id}" becomes in this session
  bool written;  // a line of this session was written
};

bool Before(const Pending& a, const Pending& b) {
  return a.t < b.t || (a.t == b.t && a.session < b.session);
}

// Min-heap on (t, session) with an in-place replace of the top: one sift per request.
class Heap {
 public:
  bool empty() const { return v_.empty(); }
  const Pending& top() const { return v_.front(); }
  Pending& top() { return v_.front(); }
  void Push(const Pending& p) {
    v_.push_back(p);
    size_t i = v_.size() - 1;
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!Before(v_[i], v_[parent])) break;
      std::swap(v_[i], v_[parent]);
      i = parent;
    }
  }
  // After top() was changed (its time can only grow).
  void SiftTop() {
    const size_t n = v_.size();
    size_t i = 0;
    const Pending moving = v_[0];
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && Before(v_[child + 1], v_[child])) ++child;
      if (!Before(v_[child], moving)) break;
      v_[i] = v_[child];
      i = child;
    }
    v_[i] = moving;
  }
  void PopTop() {
    v_.front() = v_.back();
    v_.pop_back();
    if (!v_.empty()) SiftTop();
  }

 private:
  std::vector<Pending> v_;
};

// Session starts: a Poisson process with a piecewise-constant rate (time rescaling: an Exp(1)
// budget is spent across segments). Segments: warm-up bins of `bin_s` before 0, then the
// profile's steps.
class Starts {
 public:
  Starts(std::vector<double> warm_rates, double bin_s, std::vector<double> step_rates,
         double step_s)
      : warm_(std::move(warm_rates)),
        bin_s_(bin_s),
        steps_(std::move(step_rates)),
        step_s_(step_s),
        begin_s_(-bin_s * static_cast<double>(warm_.size())),
        end_s_(step_s * static_cast<double>(steps_.size())) {}

  double first() const { return begin_s_; }

  double Next(double from, Rng& rng) {
    double budget = rng.Exponential(1.0);
    double t = from;
    for (;;) {
      if (t >= end_s_) return std::numeric_limits<double>::infinity();
      double seg_end, rate;
      if (t < 0) {
        const auto i = std::min(static_cast<size_t>((t - begin_s_) / bin_s_), warm_.size() - 1);
        seg_end = i + 1 == warm_.size() ? 0.0 : begin_s_ + bin_s_ * static_cast<double>(i + 1);
        if (seg_end <= t) seg_end = std::min(0.0, seg_end + bin_s_);  // rounding at an edge
        rate = warm_[i];
      } else {
        const auto i = std::min(static_cast<size_t>(t / step_s_), steps_.size() - 1);
        seg_end = step_s_ * static_cast<double>(i + 1);
        if (seg_end <= t) seg_end = step_s_ * static_cast<double>(i + 2);
        rate = steps_[i];
      }
      if (rate > 0) {
        const double need = budget / rate;
        if (t + need < seg_end) return t + need;
        budget -= rate * (seg_end - t);
      }
      t = seg_end;
    }
  }

 private:
  std::vector<double> warm_;
  double bin_s_;
  std::vector<double> steps_;
  double step_s_, begin_s_, end_s_;
};

// Simulated sessions: the offsets of their requests from the first, in seconds.
std::vector<std::vector<double>> SimulateSessions(const Compiled& c, Rng& rng) {
  std::vector<std::vector<double>> sessions;
  size_t total = 0;
  // At most twice kSimulatedRequests offsets in all: sessions of millions of requests with no
  // think time (a chain that almost never ends) took 2000 x 2 M of them, 14.5 GB.
  for (int k = 0; k < kSimulatedSessions && total < 2 * kSimulatedRequests &&
                  (k < kMinSimulatedSessions || total < kSimulatedRequests);
       ++k) {
    std::vector<double> offsets = {0.0};
    uint32_t state = c.start.Pick(rng);
    double t = 0;
    while (t <= kMaxWarmupSeconds && total + offsets.size() < 2 * kSimulatedRequests) {
      const State& s = c.states[state];
      const uint32_t next = s.next.Pick(rng);
      if (next == kEnd) break;
      t += ThinkSeconds(c, s, rng);
      offsets.push_back(t);
      state = next;
    }
    total += offsets.size();
    sessions.push_back(std::move(offsets));
  }
  return sessions;
}

// Start rates that make the expected request rate follow the profile: a causal deconvolution on
// a grid of control bins (whole profile steps; wider when sessions are long, so the kernel has
// at most kMaxKernelBins bins). Sessions started in a bin add their expected requests (the
// kernel, from simulated sessions) to that bin and the following ones; each bin's start rate
// makes up what the sessions already under way leave short of the target. It is never below 0:
// where the profile falls faster than sessions end, the aggregate lags it.
struct StartPlan {
  std::vector<double> warm_rates;  // sessions/s per warm-up bin
  std::vector<double> step_rates;  // sessions/s per profile step
  double bin_s = 0;
  double warmup_s = 0;
};

StartPlan PlanStarts(const std::vector<double>& rps, double step_s,
                     const std::vector<std::vector<double>>& sessions,
                     std::optional<double> warmup_override) {
  std::vector<double> durations;
  for (const auto& offsets : sessions) durations.push_back(offsets.back());
  const double span = std::min(internal::Quantile(durations, 0.999), kMaxWarmupSeconds);
  const double steps_per_bin = std::max(1.0, std::ceil(span / (kMaxKernelBins * step_s)));
  const auto m = static_cast<size_t>(steps_per_bin);
  StartPlan plan;
  plan.bin_s = step_s * steps_per_bin;
  const size_t kernel_bins = static_cast<size_t>(std::ceil(span / plan.bin_s)) + 1;
  std::vector<double> kernel(kernel_bins, 0.0);
  const double n = static_cast<double>(sessions.size());
  for (size_t s = 0; s < sessions.size(); ++s) {
    const double u = (static_cast<double>(s) + 0.5) / n * plan.bin_s;  // starts spread over the bin
    for (double tau : sessions[s]) {
      const auto j = static_cast<size_t>((u + tau) / plan.bin_s);
      if (j < kernel_bins) kernel[j] += 1.0 / n;
    }
  }
  const size_t warm_bins =
      static_cast<size_t>(std::ceil(warmup_override.value_or(span) / plan.bin_s));
  plan.warmup_s = static_cast<double>(warm_bins) * plan.bin_s;
  const size_t bins = warm_bins + (rps.size() + m - 1) / m;
  std::vector<double> target(bins), length(bins, plan.bin_s);
  for (size_t b = warm_bins; b < bins; ++b) {
    const size_t from = (b - warm_bins) * m, to = std::min(from + m, rps.size());
    double sum = 0;
    for (size_t i = from; i < to; ++i) sum += rps[i];
    target[b] = sum / static_cast<double>(to - from);
    length[b] = step_s * static_cast<double>(to - from);
  }
  for (size_t b = 0; b < warm_bins; ++b) target[b] = target[warm_bins];
  // Projected Landweber iteration on the session counts per bin: x += mu K^T (T - K x), x >= 0,
  // with mu = 1 / |K|_1^2 so that no frequency is amplified (the multiplier 1 - mu |K^(w)|^2
  // lies in [0, 1)): the slow, large-scale shape converges in a few rounds; detail finer than
  // a session (where K^ is small) keeps the first guess, T / L, instead of blowing up as an
  // exact inverse would. Warm-up bins have no target of their own: they only feed the first.
  double mass = 0;
  for (double k : kernel) mass += k;
  const double mu = 1.0 / (mass * mass);
  std::vector<double> x(bins), y(bins), residual(bins, 0.0);
  for (size_t b = 0; b < bins; ++b) x[b] = target[b] * length[b] / mass;
  for (int round = 0; round < kPlanRounds; ++round) {
    for (size_t c = 0; c < bins; ++c) {
      double sum = 0;
      for (size_t j = 0; j < kernel_bins && j <= c; ++j) sum += kernel[j] * x[c - j];
      y[c] = sum;
    }
    for (size_t c = warm_bins; c < bins; ++c) residual[c] = target[c] * length[c] - y[c];
    for (size_t b = 0; b < bins; ++b) {
      double sum = 0;
      for (size_t j = 0; j < kernel_bins && b + j < bins; ++j) sum += kernel[j] * residual[b + j];
      x[b] = std::max(0.0, x[b] + mu * sum);
    }
  }
  std::vector<double> starts_per_s(bins);
  for (size_t b = 0; b < bins; ++b) starts_per_s[b] = x[b] / length[b];
  plan.warm_rates.assign(starts_per_s.begin(),
                         starts_per_s.begin() + static_cast<std::ptrdiff_t>(warm_bins));
  plan.step_rates.resize(rps.size());
  for (size_t b = warm_bins; b < bins; ++b) {
    // Within a bin, starts follow the profile's own shape.
    const size_t from = (b - warm_bins) * m, to = std::min(from + m, rps.size());
    for (size_t i = from; i < to; ++i) {
      plan.step_rates[i] = target[b] > 0 ? starts_per_s[b] * rps[i] / target[b] : 0.0;
    }
  }
  return plan;
}

// "2024-03-12T09:00:00." for a second since the epoch (Hinnant's civil_from_days).
void FormatSecondPrefix(int64_t sec, char* out) {
  const int64_t days = (sec >= 0 ? sec : sec - 86399) / 86400;
  const int64_t sod = sec - days * 86400;
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned mo = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (mo <= 2);
  auto two = [](char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  const auto yy = static_cast<unsigned>(std::clamp<int64_t>(y, 0, 9999));
  two(out, yy / 100);
  two(out + 2, yy % 100);
  out[4] = '-';
  two(out + 5, mo);
  out[7] = '-';
  two(out + 8, d);
  out[10] = 'T';
  two(out + 11, static_cast<unsigned>(sod / 3600));
  out[13] = ':';
  two(out + 14, static_cast<unsigned>(sod / 60 % 60));
  out[16] = ':';
  two(out + 17, static_cast<unsigned>(sod % 60));
  out[19] = '.';
}

class LineWriter {
 public:
  LineWriter(RequestSink& sink, size_t chunk, size_t max_line)
      : sink_(sink), chunk_(std::max<size_t>(chunk, 4096)), buf_(chunk_ + max_line, '\0') {}

  char* Reserve() { return buf_.data() + used_; }
  Result<void> Commit(char* end) {
    used_ = static_cast<size_t>(end - buf_.data());
    if (used_ >= chunk_) return Flush();
    return {};
  }
  Result<void> Flush() {
    if (used_ == 0) return {};
    auto ok = sink_.Write(std::string_view(buf_.data(), used_));
    used_ = 0;
    return ok;
  }

 private:
  RequestSink& sink_;
  size_t chunk_;
  std::string buf_;
  size_t used_ = 0;
};

char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* PutInt(char* p, uint64_t v) { return std::to_chars(p, p + 20, v).ptr; }

// Written to PATH.tmp and renamed over PATH by Finish (core/output_file.h): a run that fails
// part-way, or is never finished, leaves no half sequence behind (found by probing: a 0-byte
// file after a refused profile).
class FileSink : public RequestSink {
 public:
  FileSink(std::FILE* f, std::string path, std::string staging)
      : f_(f), path_(std::move(path)), staging_(std::move(staging)) {}
  ~FileSink() override {
    if (!f_ || f_ == stdout) return;
    std::fclose(f_);
    (void)FinishOutput(staging_, path_, false);  // never finished: removes the staging file
  }
  Result<void> Write(std::string_view chunk) override {
    if (std::fwrite(chunk.data(), 1, chunk.size(), f_) != chunk.size()) {
      return Fail(ErrorCode::kIo, path_ + ": write failed: " + std::strerror(errno));
    }
    return {};
  }
  Result<void> Finish() override {
    if (!f_) return {};
    if (f_ == stdout) {
      f_ = nullptr;
      if (std::fflush(stdout) != 0) return Fail(ErrorCode::kIo, path_ + ": write failed");
      return {};
    }
    const bool ok = std::fclose(f_) == 0;
    f_ = nullptr;
    return FinishOutput(staging_, path_, ok);
  }

 private:
  std::FILE* f_;
  std::string path_, staging_;
};

}  // namespace

Result<std::unique_ptr<RequestSink>> OpenRequestFile(const std::string& path) {
  const std::string staging = path == "-" ? path : StagingPathFor(path);
  std::FILE* f = path == "-" ? stdout : std::fopen(staging.c_str(), "wb");
  if (!f) return Fail(ErrorCode::kIo, path + ": cannot write: " + std::strerror(errno));
  return std::make_unique<FileSink>(f, path, staging);
}

Result<RequestsResult> GenerateRequests(const Series& profile, const BehaviourModel& model,
                                        const RequestsOptions& options, RequestSink& out) {
  auto mean = MeanRequestsPerSession(model);
  if (!mean) return std::unexpected(mean.error());
  if (profile.empty()) return Fail(ErrorCode::kInvalidArgument, "the profile is empty");
  if (profile.step.count() <= 0)
    return Fail(ErrorCode::kInvalidArgument, "profile step must be positive");
  std::vector<double> rps(profile.size());
  for (size_t i = 0; i < profile.size(); ++i) {
    const double v = profile.values[i];
    if (v < 0 || std::isinf(v)) {
      return Fail(ErrorCode::kInvalidArgument, "profile: rate " + std::to_string(v) + " at " +
                                                   FormatRfc3339(profile.TimeAt(i)) +
                                                   " (rates must be finite and >= 0)");
    }
    rps[i] = std::isnan(v) ? 0.0 : v;
  }
  // Beyond these, a rate is a unit slip or a file no disk holds; at 1e300 the session clock
  // stopped advancing (t + 1/rate == t) and memory grew until it ran out (found by probing).
  const double step_s = std::chrono::duration<double>(profile.step).count();
  double expected = 0;
  for (size_t i = 0; i < rps.size(); ++i) {
    if (rps[i] > kMaxRequestRate) {
      return Fail(ErrorCode::kInvalidArgument,
                  "profile: rate " + std::to_string(rps[i]) + " at " +
                      FormatRfc3339(profile.TimeAt(i)) +
                      " requests/s: more than a request sequence can hold (at most 1e9)");
    }
    expected += rps[i] * step_s;
  }
  if (expected > kMaxRequests) {
    return Fail(ErrorCode::kInvalidArgument,
                "the profile asks for " + std::to_string(static_cast<int64_t>(expected)) +
                    " requests (at most 1e10, a terabyte of JSONL): generate a shorter or "
                    "lower profile");
  }

  const Compiled c = Compile(model);
  Rng rng(options.seed);
  Rng sim_rng = rng.Fork();
  const double end_s = step_s * static_cast<double>(profile.size());
  const int64_t start_ms = profile.start.time_since_epoch().count();
  const int64_t step_ms = profile.step.count();
  std::optional<double> warmup_override;
  if (options.warmup) {
    warmup_override = std::max(0.0, std::chrono::duration<double>(*options.warmup).count());
  }
  StartPlan plan = PlanStarts(rps, step_s, SimulateSessions(c, sim_rng), warmup_override);

  RequestsResult result;
  result.mean_requests_per_session = *mean;
  result.warmup = Duration{static_cast<int64_t>(std::llround(plan.warmup_s * 1000))};
  std::vector<double> counts(profile.size(), 0.0), byte_sums(profile.size(), 0.0);

  Starts starts(std::move(plan.warm_rates), plan.bin_s, std::move(plan.step_rates), step_s);
  Heap heap;
  LineWriter writer(out, options.buffer_bytes, c.max_line);
  uint64_t next_session = 1;
  double next_start = starts.Next(starts.first(), rng);
  int64_t cached_sec = std::numeric_limits<int64_t>::min();
  char prefix[20];

  for (;;) {
    const bool start_first = heap.empty() || next_start <= heap.top().t;
    const double t = start_first ? next_start : heap.top().t;
    if (!(t < end_s)) break;
    if (start_first) {
      Pending p{
          .t = t, .session = next_session++, .state = c.start.Pick(rng), .id = 0, .written = false};
      if (c.uses_ids) p.id = static_cast<uint32_t>(1 + rng.UniformInt(kIdRange));
      heap.Push(p);
      next_start = starts.Next(t, rng);
      continue;
    }
    Pending& p = heap.top();
    const State& s = c.states[p.state];
    if (p.t >= 0) {
      // Write the request.
      const int64_t ms = start_ms + static_cast<int64_t>(std::floor(p.t * 1000.0));
      const int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
      if (sec != cached_sec) {
        FormatSecondPrefix(sec, prefix);
        cached_sec = sec;
      }
      const auto milli = static_cast<unsigned>(ms - sec * 1000);
      const uint32_t method = s.method.Pick(rng);
      const Target& target = s.targets[s.target.Pick(rng)];
      int64_t bytes = s.fixed_bytes;
      if (s.bytes_quantiles) {
        bytes = std::max<int64_t>(
            0, std::llround(internal::QuantileAtScore(*s.bytes_quantiles, rng.Normal())));
      }
      char* w = writer.Reserve();
      w = Put(w, "{\"t\":\"");
      std::memcpy(w, prefix, 20);
      w += 20;
      w[0] = static_cast<char>('0' + milli / 100);
      w[1] = static_cast<char>('0' + milli / 10 % 10);
      w[2] = static_cast<char>('0' + milli % 10);
      w[3] = 'Z';
      w += 4;
      w = Put(w, s.method_fragments[method]);
      w = Put(w, target.pieces[0]);
      for (size_t k = 1; k < target.pieces.size(); ++k) {
        w = PutInt(w, p.id);
        w = Put(w, target.pieces[k]);
      }
      w = Put(w, "\",\"bytes\":");
      w = PutInt(w, static_cast<uint64_t>(bytes));
      w = Put(w, ",\"session\":\"s");
      w = PutInt(w, p.session);
      w = Put(w, "\"}\n");
      if (auto ok = writer.Commit(w); !ok) return std::unexpected(ok.error());
      const auto bin = std::min(static_cast<size_t>((ms - start_ms) / step_ms), counts.size() - 1);
      counts[bin] += 1;
      byte_sums[bin] += static_cast<double>(bytes);
      ++result.requests;
      result.bytes += static_cast<uint64_t>(bytes);
      if (!p.written) {
        p.written = true;
        ++result.sessions;
      }
    }
    // Move the session on.
    const uint32_t next = s.next.Pick(rng);
    if (next == kEnd) {
      heap.PopTop();
    } else {
      p.t += ThinkSeconds(c, s, rng);
      p.state = next;
      heap.SiftTop();
    }
  }
  if (auto ok = writer.Flush(); !ok) return std::unexpected(ok.error());
  if (auto ok = out.Finish(); !ok) return std::unexpected(ok.error());

  result.requests_per_s = Series{.start = profile.start, .step = profile.step};
  result.bytes_per_s = Series{.start = profile.start, .step = profile.step};
  result.requests_per_s.values.resize(counts.size());
  result.bytes_per_s.values.resize(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    result.requests_per_s.values[i] = counts[i] / step_s;
    result.bytes_per_s.values[i] = byte_sums[i] / step_s;
  }
  // Sessions far longer than the profile (or than its steps' counts) cannot follow it: say so
  // rather than hand over a sequence that misses it (found by probing: a chain that almost
  // never ends wrote 0 requests for 30 asked, exit 0).
  result.expected_requests = expected;
  const double written = static_cast<double>(result.requests);
  if (expected > 0 && result.mean_requests_per_session > expected) {
    char text[300];
    std::snprintf(text, sizeof text,
                  "a session averages %.4g requests, more than the whole profile asks for "
                  "(%.0f): the sequence (%.0f requests) cannot follow it; use a longer or higher "
                  "profile, or a behaviour model with shorter sessions",
                  result.mean_requests_per_session, expected, written);
    result.notes.push_back(text);
  } else if (expected >= 100 && std::fabs(written - expected) > 0.25 * expected) {
    char text[300];
    std::snprintf(text, sizeof text,
                  "wrote %.0f requests where the profile asks for %.0f (%+.0f %%): sessions of "
                  "%.4g requests on average are too long or bursty for this profile to be "
                  "followed; use a longer profile, or a behaviour model with shorter sessions",
                  written, expected, 100 * (written - expected) / expected,
                  result.mean_requests_per_session);
    result.notes.push_back(text);
  }
  return result;
}

// The profile CSV layout with one more column, written by the profile's own writer.
void AppendRequestSeriesCsv(const RequestsResult& result, std::string& out) {
  const ProfileColumn bytes[] = {{"bytes_per_s", result.bytes_per_s.values}};
  AppendProfileCsv(result.requests_per_s, out, bytes);
}

Result<void> WriteRequestSeriesCsv(const RequestsResult& result, const std::string& path) {
  const ProfileColumn bytes[] = {{"bytes_per_s", result.bytes_per_s.values}};
  return WriteProfileCsv(result.requests_per_s, path, bytes);
}

}  // namespace forescale::generate
