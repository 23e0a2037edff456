#include "testkit/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "testkit/internal/report_io.h"

namespace forescale::testkit {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const Estimate* Find(const PolicyResult& p, const std::string& metric) {
  auto it = p.metrics.find(metric);
  return it == p.metrics.end() ? nullptr : &it->second;
}

double Mean(const PolicyResult& p, const std::string& metric) {
  const Estimate* e = Find(p, metric);
  return e ? e->mean : kNaN;
}

bool IsOracle(const PolicyResult& p) { return p.kind == "oracle" || p.name == "oracle"; }

std::string Count(double v) {
  if (std::isnan(v)) return "n/a";
  return v == std::round(v) ? fmt::format("{:.0f}", v) : fmt::format("{:.1f}", v);
}

}  // namespace

Verdict Headline(const ScenarioResults& r) {
  const PolicyResult* cand = nullptr;
  for (const auto& p : r.policies) {
    if (!IsOracle(p) && p.kind.find("predictive") != std::string::npos) {
      cand = &p;
      break;
    }
  }
  if (!cand) {
    for (const auto& p : r.policies) {
      if (!IsOracle(p) && p.name.find("predictive") != std::string::npos) {
        cand = &p;
        break;
      }
    }
  }
  const PolicyResult* base = nullptr;
  for (const auto& p : r.policies) {
    if (&p != cand && p.kind == "hpa") {
      base = &p;
      break;
    }
  }
  if (!base) {
    for (const auto& p : r.policies) {
      if (&p != cand && !IsOracle(p)) {
        base = &p;
        break;
      }
    }
  }
  Verdict v;
  if (!cand || !base) {
    // Nothing to compare: say what the one policy (or the first) did.
    const PolicyResult* only = cand ? cand : base;
    if (!only && !r.policies.empty()) only = &r.policies.front();
    if (!only) {
      v.text = "No policy was run.";
      return v;
    }
    v.candidate = only->name;
    v.text = fmt::format("{}: {} SLO-violation minutes at a cost of {}.", only->name,
                         Count(Mean(*only, "slo_violation_minutes")),
                         internal::FormatMetric("cost", Mean(*only, "cost")));
    return v;
  }
  v.candidate = cand->name;
  v.baseline = base->name;
  const double sc = Mean(*cand, "slo_violation_minutes"), sb = Mean(*base, "slo_violation_minutes");
  const double cc = Mean(*cand, "cost"), cb = Mean(*base, "cost");
  const double ratio = cb > 0 ? cc / cb : kNaN;
  const std::string cost = std::isfinite(ratio)
                               ? fmt::format("{:.2f}x its cost", ratio)
                               : fmt::format("a cost of {} vs {}", internal::FormatMetric("cost", cc),
                                             internal::FormatMetric("cost", cb));
  // Within half a percent the costs are the same for a reader; the table has the exact numbers.
  const bool cheaper_or_same = std::isfinite(ratio) ? ratio <= 1.005 : cc <= cb;
  const std::string& c = cand->name;
  const std::string& b = base->name;
  if (std::isnan(sc) || std::isnan(sb)) {
    v.text = fmt::format("{} vs {}: SLO-violation minutes were not measured; {} ran at {}.", c, b,
                         c, cost);
  } else if (sc < sb && cheaper_or_same) {
    v.tone = Verdict::Tone::kGood;
    v.text = fmt::format("{} beat {}: {} SLO-violation minutes vs {}, at {}.", c, b, Count(sc),
                         Count(sb), cost);
  } else if (sc < sb) {
    v.tone = Verdict::Tone::kMixed;
    v.text = fmt::format("{} had fewer SLO-violation minutes than {} ({} vs {}) but ran at {}.", c,
                         b, Count(sc), Count(sb), cost);
  } else if (sc == sb && std::isfinite(ratio) && ratio < 0.995) {
    v.tone = Verdict::Tone::kGood;
    v.text = fmt::format("{} matched {} on SLO-violation minutes ({}) at {}.", c, b, Count(sc),
                         cost);
  } else if (sc == sb && cheaper_or_same) {
    v.text = fmt::format("{} and {} tied: {} SLO-violation minutes each, {} at {}.", c, b,
                         Count(sc), c, cost);
  } else if (sc == sb) {
    v.tone = Verdict::Tone::kBad;
    v.text = fmt::format("{} did not beat {} here: the same {} SLO-violation minutes, at {}.", c, b,
                         Count(sc), cost);
  } else {
    v.tone = Verdict::Tone::kBad;
    v.text = fmt::format("{} did not beat {} here: {} SLO-violation minutes vs {}, at {}.", c, b,
                         Count(sc), Count(sb), cost);
  }
  const Estimate* ec = Find(*cand, "slo_violation_minutes");
  const Estimate* eb = Find(*base, "slo_violation_minutes");
  if (ec && eb && ec->n > 1 && eb->n > 1 && sc != sb && ec->low <= eb->high && eb->low <= ec->high) {
    v.text += fmt::format(" The difference in SLO-violation minutes is within the 95 % confidence "
                          "intervals of {} repetitions.",
                          std::min(ec->n, eb->n));
  }
  return v;
}

std::vector<SummaryColumn> SummaryColumns(const ScenarioResults& r) {
  using B = SummaryColumn::Better;
  const std::vector<SummaryColumn> all = {
      {"slo_violation_minutes", "SLO-violation min", B::kLower},
      {"drop_fraction", "dropped", B::kLower},
      {"latency_p95", "p95 latency", B::kLower},
      {"scaling_response_time.p95", "response p95", B::kLower},
      {"scaling_response_time.max", "response max", B::kLower},
      {"rises_met_in_advance", "rises met early", B::kHigher},
      {"utilisation", "utilisation", B::kNearOne},
      {"cost", "cost", B::kLower},
      {"cost_efficiency", "cost efficiency", B::kHigher},
      {"scaling_actions", "actions", B::kLower},
      {"flaps", "flaps", B::kLower},
      {"forecast_mape", "forecast MAPE", B::kLower},
  };
  std::vector<SummaryColumn> out;
  for (const auto& c : all) {
    const bool any = std::any_of(r.policies.begin(), r.policies.end(), [&](const PolicyResult& p) {
      return !std::isnan(Mean(p, c.metric));
    });
    if (any) out.push_back(c);
  }
  return out;
}

int BestPolicy(const ScenarioResults& r, const SummaryColumn& column) {
  using B = SummaryColumn::Better;
  if (column.better == B::kNone) return -1;
  int best = -1;
  double best_score = 0;
  int contenders = 0;
  for (size_t i = 0; i < r.policies.size(); ++i) {
    if (IsOracle(r.policies[i])) continue;
    const double v = Mean(r.policies[i], column.metric);
    if (std::isnan(v)) continue;
    ++contenders;
    const double score = column.better == B::kLower    ? v
                         : column.better == B::kHigher ? -v
                                                       : std::fabs(v - 1);
    if (best < 0 || score < best_score) {
      best = static_cast<int>(i);
      best_score = score;
    }
  }
  // With one contender "best" says nothing.
  return contenders > 1 ? best : -1;
}

std::string SummaryTable(const ScenarioResults& r) {
  const auto columns = SummaryColumns(r);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"policy"};
  for (const auto& c : columns) header.push_back(c.header);
  rows.push_back(header);
  for (const auto& p : r.policies) {
    std::vector<std::string> row = {IsOracle(p) && p.name != "oracle" ? p.name + " (oracle)"
                                                                      : p.name};
    for (const auto& c : columns) {
      const Estimate* e = Find(p, c.metric);
      if (!e || std::isnan(e->mean)) {
        row.push_back("-");
      } else if (e->n > 1 && e->low != e->high) {
        row.push_back(fmt::format("{} [{}, {}]", internal::FormatMetric(c.metric, e->mean),
                                  internal::FormatMetric(c.metric, e->low),
                                  internal::FormatMetric(c.metric, e->high)));
      } else {
        row.push_back(internal::FormatMetric(c.metric, e->mean));
      }
    }
    rows.push_back(std::move(row));
  }
  std::vector<size_t> width(header.size(), 0);
  // Widths in characters, not bytes: labels may be UTF-8.
  const auto length = [](const std::string& s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char ch) {
      return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    }));
  };
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], length(row[i]));
  }
  std::string out;
  for (size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (size_t i = 0; i < rows[k].size(); ++i) {
      const std::string pad(width[i] - length(rows[k][i]), ' ');
      // Labels read left-aligned, numbers right-aligned.
      line += i == 0 ? rows[k][i] + pad : pad + rows[k][i];
      if (i + 1 < rows[k].size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string ResponseColumnsNote(const ScenarioResults& r) {
  // The response columns measure from the moment demand exceeds the ready capacity at the
  // service's target (DESIGN.md); a policy that sizes above the target on purpose reads slower
  // there without serving worse.
  const bool predictive = std::any_of(r.policies.begin(), r.policies.end(),
                                      [](const PolicyResult& p) { return p.kind == "predictive"; });
  if (!predictive) return "";
  return "Response times and rises met early count from the moment demand exceeds the ready "
         "capacity at the service's target utilisation. The predictive policy sizes for its "
         "forecast's calibrated upper bound at its max_utilisation instead, above the target on "
         "purpose, so it reads slower there; its SLO-violation minutes say whether that cost "
         "anything.";
}

}  // namespace forescale::testkit
