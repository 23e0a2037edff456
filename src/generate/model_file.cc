#include "generate/model_file.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "core/output_file.h"
#include "core/yaml_config.h"
#include "generate/internal/stats.h"
#include "generate/internal/yaml_file.h"

namespace forescale::generate {
namespace {

constexpr const char* kFormat = "forescale-load-model/1";

// Shortest decimal that reads back to the same double (std::to_chars guarantees it).
std::string Number(double v) {
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, p) : std::string("0");
}

double RoundSig(double v, int digits) {
  if (v == 0 || !std::isfinite(v)) return v;
  const int exponent = static_cast<int>(std::floor(std::log10(std::abs(v))));
  const double scale = std::pow(10.0, digits - 1 - exponent);
  return std::round(v * scale) / scale;
}

void EmitList(YAML::Emitter& out, const std::vector<double>& values) {
  out << YAML::Flow << YAML::BeginSeq;
  for (double v : values) out << Number(v);
  out << YAML::EndSeq;
}

// Validating reader: every error names the file, the line and the dotted key.
class Reader {
 public:
  explicit Reader(std::string origin) : config_(std::move(origin)) {}

  std::unexpected<Error> Bad(const YAML::Node& node, const std::string& key,
                             const std::string& problem) const {
    return config_.Bad(node, key, problem);
  }

  // `node` must be a mapping whose keys are all in `known`.
  Result<void> Map(const YAML::Node& node, const std::string& key,
                   std::initializer_list<const char*> known) const {
    return config_.Keys(node, key, known);
  }

  Result<YAML::Node> Required(const YAML::Node& parent, const std::string& key,
                              const char* name) const {
    const YAML::Node node = parent[name];
    if (!node) return Bad(parent, Join(key, name), "missing");
    return node;
  }

  Result<double> Double(const YAML::Node& parent, const std::string& key, const char* name) const {
    auto node = Required(parent, key, name);
    if (!node) return std::unexpected(node.error());
    return ScalarDouble(*node, Join(key, name));
  }

  Result<double> ScalarDouble(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return Bad(node, key, "expected a number");
    const std::string& s = node.Scalar();
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
      return Bad(node, key, "expected a number, got '" + s + "'");
    }
    return v;
  }

  Result<size_t> Count(const YAML::Node& parent, const std::string& key, const char* name) const {
    auto v = Double(parent, key, name);
    if (!v) return std::unexpected(v.error());
    if (*v < 0 || *v != std::floor(*v)) {
      return Bad(parent[name], Join(key, name), "expected a whole number >= 0");
    }
    return static_cast<size_t>(*v);
  }

  Result<Duration> DurationOf(const YAML::Node& parent, const std::string& key,
                              const char* name) const {
    auto node = Required(parent, key, name);
    if (!node) return std::unexpected(node.error());
    if (!node->IsScalar()) return Bad(*node, Join(key, name), "expected a duration such as 1m");
    auto d = ParseDuration(node->Scalar());
    if (!d) return Bad(*node, Join(key, name), d.error().message());
    if (d->count() <= 0) return Bad(*node, Join(key, name), "must be positive");
    return *d;
  }

  Result<TimePoint> TimeOf(const YAML::Node& parent, const std::string& key,
                           const char* name) const {
    auto node = Required(parent, key, name);
    if (!node) return std::unexpected(node.error());
    return ScalarTime(*node, Join(key, name));
  }

  Result<TimePoint> ScalarTime(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return Bad(node, key, "expected a timestamp");
    auto t = ParseTimestamp(node.Scalar());
    if (!t) return Bad(node, key, t.error().message());
    return *t;
  }

  Result<std::vector<double>> List(const YAML::Node& parent, const std::string& key,
                                   const char* name) const {
    auto node = Required(parent, key, name);
    if (!node) return std::unexpected(node.error());
    if (!node->IsSequence()) return Bad(*node, Join(key, name), "expected a list of numbers");
    std::vector<double> out;
    out.reserve(node->size());
    for (size_t i = 0; i < node->size(); ++i) {
      auto v = ScalarDouble((*node)[i], Join(key, name) + "[" + std::to_string(i) + "]");
      if (!v) return std::unexpected(v.error());
      out.push_back(*v);
    }
    return out;
  }

  static std::string Join(const std::string& key, const std::string& name) {
    return YamlConfig::Join(key, name);
  }

 private:
  YamlConfig config_;
};

#define FS_TRY(var, expr)                                 \
  auto var##_result = (expr);                             \
  if (!var##_result) return std::unexpected(var##_result.error()); \
  auto var = *var##_result

Result<LoadModel> ParseRoot(const YAML::Node& root, const Reader& r) {
  LoadModel m;
  if (auto ok = r.Map(root, "(top level)", {"format", "history", "level", "seasons", "noise", "bursts"});
      !ok) {
    return std::unexpected(ok.error());
  }
  FS_TRY(format, r.Required(root, "", "format"));
  if (!format.IsScalar() || format.Scalar() != kFormat) {
    return r.Bad(format, "format", std::string("expected '") + kFormat + "'");
  }
  FS_TRY(history, r.Required(root, "", "history"));
  if (auto ok = r.Map(history, "history", {"step", "start", "end", "points", "missing", "unusual_days"});
      !ok) {
    return std::unexpected(ok.error());
  }
  FS_TRY(step, r.DurationOf(history, "history", "step"));
  FS_TRY(start, r.TimeOf(history, "history", "start"));
  FS_TRY(end, r.TimeOf(history, "history", "end"));
  FS_TRY(points, r.Count(history, "history", "points"));
  FS_TRY(missing, r.Count(history, "history", "missing"));
  m.step = step;
  m.history_start = start;
  m.history_end = end;
  m.points = points;
  m.missing = missing;
  if (const YAML::Node days = history["unusual_days"]) {
    if (!days.IsSequence()) return r.Bad(days, "history.unusual_days", "expected a list of timestamps");
    for (size_t i = 0; i < days.size(); ++i) {
      FS_TRY(day, r.ScalarTime(days[i], "history.unusual_days"));
      m.unusual_days.push_back(day);
    }
  }

  FS_TRY(level, r.Required(root, "", "level"));
  if (auto ok = r.Map(level, "level", {"rps", "growth_per_week", "log_offset_rps"}); !ok) {
    return std::unexpected(ok.error());
  }
  FS_TRY(rps, r.Double(level, "level", "rps"));
  FS_TRY(growth, r.Double(level, "level", "growth_per_week"));
  FS_TRY(offset, r.Double(level, "level", "log_offset_rps"));
  if (rps < 0) return r.Bad(level["rps"], "level.rps", "must be >= 0");
  if (growth <= -1) return r.Bad(level["growth_per_week"], "level.growth_per_week", "must be > -1");
  if (offset <= 0) return r.Bad(level["log_offset_rps"], "level.log_offset_rps", "must be > 0");
  m.level_rps = rps;
  m.growth_per_week = growth;
  m.log_offset_rps = offset;

  FS_TRY(seasons, r.Required(root, "", "seasons"));
  if (!seasons.IsSequence()) return r.Bad(seasons, "seasons", "expected a list (may be empty: [])");
  for (size_t i = 0; i < seasons.size(); ++i) {
    const YAML::Node s = seasons[i];
    const std::string key = "seasons[" + std::to_string(i) + "]";
    if (auto ok = r.Map(s, key, {"period", "bin", "strength", "factors"}); !ok) {
      return std::unexpected(ok.error());
    }
    FS_TRY(period, r.DurationOf(s, key, "period"));
    FS_TRY(bin, r.DurationOf(s, key, "bin"));
    FS_TRY(strength, r.Double(s, key, "strength"));
    FS_TRY(factors, r.List(s, key, "factors"));
    if (period.count() % bin.count() != 0) {
      return r.Bad(s["bin"], key + ".bin", "must divide the period");
    }
    if (factors.size() != static_cast<size_t>(period.count() / bin.count())) {
      return r.Bad(s["factors"], key + ".factors",
                   "has " + std::to_string(factors.size()) + " values; period / bin is " +
                       std::to_string(period.count() / bin.count()));
    }
    for (size_t k = 0; k < factors.size(); ++k) {
      if (!(factors[k] > 0)) {
        return r.Bad(s["factors"][k], key + ".factors[" + std::to_string(k) + "]", "must be > 0");
      }
    }
    m.seasons.push_back({.period = period, .bin = bin, .strength = strength, .factors = factors});
  }

  FS_TRY(noise, r.Required(root, "", "noise"));
  if (auto ok = r.Map(noise, "noise",
                      {"scale", "level_elasticity", "normal_scores", "slow", "ar",
                       "innovation_quantiles", "residual_quantiles"});
      !ok) {
    return std::unexpected(ok.error());
  }
  SeasonProfile noise_scale;
  if (const YAML::Node sc = noise["scale"]) {  // optional: the same spread at every phase
    if (auto ok = r.Map(sc, "noise.scale", {"period", "bin", "factors"}); !ok) {
      return std::unexpected(ok.error());
    }
    FS_TRY(period, r.DurationOf(sc, "noise.scale", "period"));
    FS_TRY(bin, r.DurationOf(sc, "noise.scale", "bin"));
    FS_TRY(factors, r.List(sc, "noise.scale", "factors"));
    if (period.count() % bin.count() != 0 ||
        factors.size() != static_cast<size_t>(period.count() / bin.count())) {
      return r.Bad(sc, "noise.scale", "factors must fill the period in bins of 'bin'");
    }
    for (size_t k = 0; k < factors.size(); ++k) {
      if (!(factors[k] > 0)) {
        return r.Bad(sc["factors"][k], "noise.scale.factors[" + std::to_string(k) + "]", "must be > 0");
      }
    }
    noise_scale = {.period = period, .bin = bin, .factors = factors};
  }
  FS_TRY(ar, r.List(noise, "noise", "ar"));
  FS_TRY(innovations, r.List(noise, "noise", "innovation_quantiles"));
  FS_TRY(residuals, r.List(noise, "noise", "residual_quantiles"));
  for (const auto* q : {&innovations, &residuals}) {
    const char* name = q == &innovations ? "innovation_quantiles" : "residual_quantiles";
    if (q->size() == 1) return r.Bad(noise[name], std::string("noise.") + name, "needs 0 or >= 2 values");
    for (size_t k = 1; k < q->size(); ++k) {
      if ((*q)[k] < (*q)[k - 1]) {
        return r.Bad(noise[name][k], std::string("noise.") + name + "[" + std::to_string(k) + "]",
                     "quantiles must not decrease");
      }
    }
  }
  if (!internal::ArIsStationary(ar)) {
    return r.Bad(noise["ar"], "noise.ar",
                 "coefficients are not stationary (a root of the AR polynomial is on or inside "
                 "the unit circle)");
  }
  m.noise = {.scale = noise_scale, .ar = ar, .innovation_quantiles = innovations, .residual_quantiles = residuals};
  if (noise["level_elasticity"]) {  // optional: 0
    FS_TRY(elasticity, r.Double(noise, "noise", "level_elasticity"));
    if (!(std::abs(elasticity) <= 1)) {
      return r.Bad(noise["level_elasticity"], "noise.level_elasticity",
                   "must be between -1 and 1 (the fit's range; Poisson counts: -0.5)");
    }
    m.noise.level_elasticity = elasticity;
  }
  if (const YAML::Node ns = noise["normal_scores"]) {  // optional: false
    if (!ns.IsScalar() || (ns.Scalar() != "true" && ns.Scalar() != "false")) {
      return r.Bad(ns, "noise.normal_scores", "expected true or false");
    }
    m.noise.normal_scores = ns.Scalar() == "true";
    if (m.noise.normal_scores && residuals.size() < 2) {
      return r.Bad(ns, "noise.normal_scores", "needs residual_quantiles to map the scores back");
    }
  }
  if (const YAML::Node sl = noise["slow"]) {  // optional: no slow part
    if (auto ok = r.Map(sl, "noise.slow", {"block", "ar", "innovation_quantiles"}); !ok) {
      return std::unexpected(ok.error());
    }
    FS_TRY(block, r.DurationOf(sl, "noise.slow", "block"));
    FS_TRY(slow_ar, r.List(sl, "noise.slow", "ar"));
    FS_TRY(slow_q, r.List(sl, "noise.slow", "innovation_quantiles"));
    if (slow_q.size() < 2) return r.Bad(sl, "noise.slow.innovation_quantiles", "needs >= 2 values");
    for (size_t k = 1; k < slow_q.size(); ++k) {
      if (slow_q[k] < slow_q[k - 1]) {
        return r.Bad(sl["innovation_quantiles"][k], "noise.slow.innovation_quantiles[" + std::to_string(k) + "]",
                     "quantiles must not decrease");
      }
    }
    if (!internal::ArIsStationary(slow_ar)) {
      return r.Bad(sl["ar"], "noise.slow.ar",
                   "coefficients are not stationary (a root of the AR polynomial is on or inside "
                   "the unit circle)");
    }
    m.noise.slow = {.block = block, .ar = slow_ar, .innovation_quantiles = slow_q};
  }

  FS_TRY(bursts, r.Required(root, "", "bursts"));
  if (auto ok = r.Map(bursts, "bursts", {"rate_per_day", "threshold", "height_scale", "height_shape",
                                         "max_height", "decay"});
      !ok) {
    return std::unexpected(ok.error());
  }
  FS_TRY(rate, r.Double(bursts, "bursts", "rate_per_day"));
  FS_TRY(threshold, r.Double(bursts, "bursts", "threshold"));
  FS_TRY(scale, r.Double(bursts, "bursts", "height_scale"));
  FS_TRY(shape, r.Double(bursts, "bursts", "height_shape"));
  FS_TRY(max_height, r.Double(bursts, "bursts", "max_height"));
  FS_TRY(decay, r.DurationOf(bursts, "bursts", "decay"));
  if (rate < 0) return r.Bad(bursts["rate_per_day"], "bursts.rate_per_day", "must be >= 0");
  if (scale < 0) return r.Bad(bursts["height_scale"], "bursts.height_scale", "must be >= 0");
  if (shape >= 1) return r.Bad(bursts["height_shape"], "bursts.height_shape", "must be < 1");
  m.bursts = {.rate_per_day = rate, .threshold = threshold, .height_scale = scale,
              .height_shape = shape, .max_height = max_height, .decay = decay};
  return m;
}

#undef FS_TRY

}  // namespace

void RoundForFile(LoadModel& m) {
  m.level_rps = RoundSig(m.level_rps, 6);
  m.growth_per_week = RoundSig(m.growth_per_week, 4);
  m.log_offset_rps = RoundSig(m.log_offset_rps, 6);
  for (auto& s : m.seasons) {
    s.strength = RoundSig(s.strength, 3);
    for (double& f : s.factors) f = RoundSig(f, 5);
  }
  m.noise.level_elasticity = RoundSig(m.noise.level_elasticity, 4);
  const std::vector<double> exact_ar = m.noise.ar, exact_slow_ar = m.noise.slow.ar;
  for (auto* list : {&m.noise.scale.factors, &m.noise.ar, &m.noise.innovation_quantiles, &m.noise.residual_quantiles,
                     &m.noise.slow.ar, &m.noise.slow.innovation_quantiles}) {
    for (double& v : *list) v = RoundSig(v, 5);
  }
  // Rounding moves the roots of the AR polynomial; near the unit circle it can move one out,
  // and the reader would then reject the file the fit wrote. Such a fit keeps every digit.
  if (!internal::ArIsStationary(m.noise.ar)) m.noise.ar = exact_ar;
  if (!internal::ArIsStationary(m.noise.slow.ar)) m.noise.slow.ar = exact_slow_ar;
  m.bursts.rate_per_day = RoundSig(m.bursts.rate_per_day, 4);
  m.bursts.threshold = RoundSig(m.bursts.threshold, 4);
  m.bursts.height_scale = RoundSig(m.bursts.height_scale, 4);
  m.bursts.height_shape = RoundSig(m.bursts.height_shape, 4);
  m.bursts.max_height = RoundSig(m.bursts.max_height, 4);
}

std::string FormatModelYaml(const LoadModel& m) {
  YAML::Emitter out;
  out << YAML::Comment(
      "forescale load model, written by `forescale generate fit` and read by `forescale "
      "generate profile`.\nThe rate is modelled on the log scale: log(rps + log_offset_rps) = "
      "level + seasons + noise + bursts.\nEdit freely; unknown keys are rejected.");
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << kFormat;
  out << YAML::Key << "history" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "step" << YAML::Value << FormatDuration(m.step);
  out << YAML::Key << "start" << YAML::Value << FormatRfc3339(m.history_start);
  out << YAML::Key << "end" << YAML::Value << FormatRfc3339(m.history_end);
  out << YAML::Key << "points" << YAML::Value << m.points;
  out << YAML::Key << "missing" << YAML::Value << m.missing;
  if (!m.unusual_days.empty()) {
    out << YAML::Key << "unusual_days" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (TimePoint d : m.unusual_days) out << FormatRfc3339(d);
    out << YAML::EndSeq
        << YAML::Comment("left out of the seasons: shaped unlike the other days (a holiday? an incident?)");
  }
  out << YAML::EndMap;

  out << YAML::Key << "level" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "rps" << YAML::Value << Number(m.level_rps)
      << YAML::Comment("mean rate at the end of the history, without bursts");
  out << YAML::Key << "growth_per_week" << YAML::Value << Number(m.growth_per_week)
      << YAML::Comment("0.05 = +5 % a week (robust Theil-Sen trend; 0 unless significant)");
  out << YAML::Key << "log_offset_rps" << YAML::Value << Number(m.log_offset_rps)
      << YAML::Comment("one request per fitted step: keeps idle steps finite on the log scale");
  out << YAML::EndMap;

  out << YAML::Key << "seasons" << YAML::Value;
  out << YAML::Comment("multiplicative factors per phase bin (geometric mean 1); phase 0 is "
                       "midnight UTC (Thursday for a weekly season)");
  out << YAML::BeginSeq;
  for (const auto& s : m.seasons) {
    out << YAML::BeginMap;
    out << YAML::Key << "period" << YAML::Value << FormatDuration(s.period);
    out << YAML::Key << "bin" << YAML::Value << FormatDuration(s.bin);
    out << YAML::Key << "strength" << YAML::Value << Number(s.strength);
    out << YAML::Key << "factors" << YAML::Value;
    EmitList(out, s.factors);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;

  out << YAML::Key << "noise" << YAML::Value << YAML::BeginMap;
  if (!m.noise.scale.factors.empty()) {
    out << YAML::Key << "scale" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "period" << YAML::Value << FormatDuration(m.noise.scale.period);
    out << YAML::Key << "bin" << YAML::Value << FormatDuration(m.noise.scale.bin);
    out << YAML::Key << "factors" << YAML::Value;
    EmitList(out, m.noise.scale.factors);
    out << YAML::EndMap;
    out << YAML::Comment("relative spread of the log-residuals by phase (RMS 1)");
  }
  if (m.noise.level_elasticity != 0) {
    out << YAML::Key << "level_elasticity" << YAML::Value << Number(m.noise.level_elasticity);
    out << YAML::Comment(
        "and by seasonal level: spread ~ (seasonal rate)^this (Poisson counts: -0.5)");
  }
  if (m.noise.normal_scores) {
    out << YAML::Key << "normal_scores" << YAML::Value << true;
    out << YAML::Comment("slow, ar and innovations act on the residuals' normal scores, mapped back through residual_quantiles");
  }
  if (m.noise.slow.block.count() > 0) {
    out << YAML::Key << "slow" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "block" << YAML::Value << FormatDuration(m.noise.slow.block);
    out << YAML::Key << "ar" << YAML::Value;
    EmitList(out, m.noise.slow.ar);
    out << YAML::Key << "innovation_quantiles" << YAML::Value;
    EmitList(out, m.noise.slow.innovation_quantiles);
    out << YAML::EndMap;
    out << YAML::Comment("slow wander: AR on the log-residuals' block means, interpolated between blocks");
  }
  out << YAML::Key << "ar" << YAML::Value;
  EmitList(out, m.noise.ar);
  out << YAML::Comment("AR coefficients on what the slow part leaves, lag 1 first (order by AIC)");
  out << YAML::Key << "innovation_quantiles" << YAML::Value;
  EmitList(out, m.noise.innovation_quantiles);
  out << YAML::Key << "residual_quantiles" << YAML::Value;
  EmitList(out, m.noise.residual_quantiles);
  out << YAML::EndMap;

  out << YAML::Key << "bursts" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "rate_per_day" << YAML::Value << Number(m.bursts.rate_per_day)
      << YAML::Comment("spike onsets per day; 0 disables bursts");
  out << YAML::Key << "threshold" << YAML::Value << Number(m.bursts.threshold)
      << YAML::Comment("log-residual a burst starts from");
  out << YAML::Key << "height_scale" << YAML::Value << Number(m.bursts.height_scale)
      << YAML::Comment("generalized Pareto of the log-height above the threshold");
  out << YAML::Key << "height_shape" << YAML::Value << Number(m.bursts.height_shape);
  out << YAML::Key << "max_height" << YAML::Value << Number(m.bursts.max_height);
  out << YAML::Key << "decay" << YAML::Value << FormatDuration(m.bursts.decay)
      << YAML::Comment("exponential decay time constant after the peak");
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Result<LoadModel> ParseModelYaml(const std::string& yaml_text, const std::string& origin) {
  return internal::ParseYamlText(
      yaml_text, origin,
      [&](const YAML::Node& root) -> Result<LoadModel> { return ParseRoot(root, Reader(origin)); });
}

Result<void> WriteModelFile(const LoadModel& model, const std::string& path) {
  return WriteOutputFile(path, FormatModelYaml(model));
}

Result<LoadModel> ReadModelFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseModelYaml(ss.str(), path);
}

}  // namespace forescale::generate
