#include "testkit/report_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/output_file.h"
#include "core/time.h"
#include "testkit/internal/report_io.h"
#include "testkit/internal/svg_chart.h"
#include "testkit/summary.h"

namespace forescale::testkit {
namespace {

using internal::Chart;
using internal::ChartMarker;
using internal::ChartRule;
using internal::ChartSeries;
using internal::XmlEscape;
using Style = ChartSeries::Style;

// Policy colours for the overlaid charts, in scenario order (black is the demand).
constexpr const char* kPolicyColours[] = {internal::kBlue, internal::kOrange, internal::kGreen,
                                          internal::kPurple, internal::kVermillion,
                                          internal::kSky, internal::kGrey};

const char* PolicyColour(size_t i) { return kPolicyColours[i % std::size(kPolicyColours)]; }

// The steps of `t` inside the scored window; the whole timeline when the window is unset.
struct Window {
  size_t from = 0, to = 0;
  size_t size() const { return to - from; }
};

Window WindowOf(const sim::Timeline& t, const ScenarioResults& r) {
  Window w{0, t.size()};
  if (r.test_to <= r.test_from || t.step.count() <= 0) return w;
  const auto index = [&](TimePoint p) -> size_t {
    if (p <= t.start) return 0;
    const auto steps = static_cast<size_t>((p - t.start + t.step - Duration{1}) / t.step);
    return std::min(steps, t.size());
  };
  w.from = index(r.test_from);
  w.to = std::max(w.from, index(r.test_to));
  return w;
}

template <typename T>
std::vector<double> Slice(const std::vector<T>& v, Window w, double scale = 1) {
  std::vector<double> out;
  out.reserve(w.size());
  for (size_t i = w.from; i < w.to; ++i) {
    out.push_back(i < v.size() ? static_cast<double>(v[i]) * scale : std::nan(""));
  }
  return out;
}

std::vector<double> CapacityAtTarget(const sim::ResourceTimeline& rt, Window w) {
  return Slice(rt.ready, w, rt.capacity_rps * rt.target_utilisation);
}

Chart BaseChart(const sim::Timeline& t, Window w) {
  Chart c;
  c.start = t.TimeAt(w.from);
  c.step = t.step;
  c.size = w.size();
  return c;
}

bool AnyFinite(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

// (a) demand, forecast and its band, ready capacity, and alerts.
Chart DemandChart(const PolicyResult& p, size_t r, Window w) {
  const auto& t = p.timeline;
  const auto& rt = t.resources[r];
  Chart c = BaseChart(t, w);
  c.title = fmt::format("{} · {}: demand, forecast and ready capacity", p.name, rt.name);
  c.y_label = "requests/s";
  c.series.push_back({.label = "demand", .colour = internal::kBlack, .unit = "req/s",
                      .values = Slice(rt.demand, w), .width = 1.3});
  const auto forecast = Slice(rt.forecast, w);
  const auto high = Slice(rt.forecast_high, w);
  const bool forecasts = AnyFinite(forecast);
  if (forecasts) {
    if (AnyFinite(high)) {
      c.series.push_back({.label = "forecast band (to the upper quantile)", .colour = internal::kSky,
                          .unit = "req/s", .style = Style::kBand, .values = forecast,
                          .upper = high});
    }
    c.series.push_back({.label = "forecast", .colour = internal::kBlue, .unit = "req/s",
                        .style = Style::kDashed, .values = forecast});
  }
  c.series.push_back({.label = "ready capacity at target", .colour = internal::kOrange,
                      .unit = "req/s", .style = Style::kStep, .values = CapacityAtTarget(rt, w),
                      .width = 2});
  const auto dropped = Slice(rt.dropped, w);
  if (std::any_of(dropped.begin(), dropped.end(), [](double x) { return x > 0; })) {
    c.series.push_back({.label = "dropped", .colour = internal::kVermillion, .unit = "req/s",
                        .values = dropped, .width = 1.2});
  }
  if (rt.max_replicas > 0) {
    const double max_capacity = rt.max_replicas * rt.capacity_rps * rt.target_utilisation;
    c.rules.push_back({.value = max_capacity,
                       .label = fmt::format("max capacity at target ({} replicas)", rt.max_replicas),
                       .colour = internal::kVermillion});
    std::vector<bool> over(high.size());
    for (size_t i = 0; i < high.size(); ++i) over[i] = high[i] > max_capacity;
    for (const auto& run : internal::Runs(over)) {
      double peak = 0;
      for (size_t i = run.from; i < run.to; ++i) peak = std::max(peak, high[i]);
      c.markers.push_back(
          {.index = run.from,
           .title = fmt::format("alert {}: the forecast's upper quantile {:.0f} req/s exceeds the "
                                "maximum capacity {:.0f} req/s ({} replicas) for {}",
                                internal::FormatUtcMinute(c.start + c.step * static_cast<int64_t>(run.from)),
                                peak, max_capacity, rt.max_replicas,
                                FormatDuration(c.step * static_cast<int64_t>(run.to - run.from))),
           .kind = ChartMarker::Kind::kAlert});
    }
  } else if (forecasts) {
    c.note = "Maximum capacity unknown for this run: no alerts drawn.";
  }
  if (!forecasts) {
    c.note += std::string(c.note.empty() ? "" : " ") + p.name + " does not forecast: no forecast line.";
  }
  return c;
}

// (b) replicas with the scaling actions marked.
Chart ReplicaChart(const PolicyResult& p, size_t r, Window w) {
  const auto& t = p.timeline;
  const auto& rt = t.resources[r];
  Chart c = BaseChart(t, w);
  c.title = fmt::format("{} · {}: replicas and scaling actions", p.name, rt.name);
  c.y_label = "replicas";
  c.integer_y = true;
  c.series.push_back({.label = "running (billed)", .colour = internal::kGrey, .unit = "",
                      .style = Style::kStep, .values = Slice(rt.running, w), .width = 1});
  c.series.push_back({.label = "desired", .colour = internal::kVermillion, .unit = "",
                      .style = Style::kDashed, .values = Slice(rt.desired, w), .width = 1.4});
  c.series.push_back({.label = "ready", .colour = internal::kBlue, .unit = "",
                      .style = Style::kStep, .values = Slice(rt.ready, w), .width = 2});
  // One marker per action; beyond what can be told apart at this width, the first of each pixel.
  double last_x = -1;
  const double per_pixel = static_cast<double>(std::max<size_t>(w.size(), 1)) / 1100.0;
  for (const auto& d : t.decisions) {
    if (d.resource != static_cast<int>(r) || d.time < c.start) continue;
    const auto i = static_cast<size_t>((d.time - c.start) / c.step);
    if (i >= c.size) continue;
    const double x = static_cast<double>(i) / per_pixel;
    if (c.markers.size() > 1500 && x - last_x < 1) continue;
    last_x = x;
    c.markers.push_back({.index = i,
                         .title = fmt::format("{} UTC: {} -> {} replicas: {}",
                                              FormatRfc3339(d.time), d.from, d.to, d.reason),
                         .kind = d.to >= d.from ? ChartMarker::Kind::kUp : ChartMarker::Kind::kDown});
  }
  return c;
}

// (c) CPU utilisation vs the target.
Chart CpuChart(const PolicyResult& p, size_t r, Window w) {
  const auto& t = p.timeline;
  const auto& rt = t.resources[r];
  Chart c = BaseChart(t, w);
  c.title = fmt::format("{} · {}: CPU utilisation of the ready replicas", p.name, rt.name);
  c.y_label = "CPU %";
  c.series.push_back({.label = "CPU", .colour = internal::kGreen, .unit = "%",
                      .values = Slice(rt.cpu, w, 100)});
  c.rules.push_back({.value = rt.target_utilisation * 100,
                     .label = fmt::format("target {:.0f} %", rt.target_utilisation * 100),
                     .colour = internal::kBlack});
  return c;
}

// (d) end-to-end p95 latency vs the SLO, SLO-violation time shaded.
Chart LatencyChart(const PolicyResult& p, const ScenarioResults& r, Window w) {
  const auto& t = p.timeline;
  Chart c = BaseChart(t, w);
  c.title = fmt::format("{}: p95 latency (end to end) vs the SLO", p.name);
  c.y_label = "p95 latency, ms";
  const auto latency = Slice(t.latency_p95, w, 1000);
  c.series.push_back({.label = "p95 latency", .colour = internal::kPurple, .unit = "ms",
                      .values = latency});
  const double slo_ms = std::chrono::duration<double, std::milli>(
                            r.slo_p95_latency.count() > 0 ? r.slo_p95_latency : t.slo_p95_latency)
                            .count();
  const auto dropped = Slice(t.dropped, w);
  std::vector<bool> violated(latency.size());
  for (size_t i = 0; i < latency.size(); ++i) {
    violated[i] = (slo_ms > 0 && latency[i] > slo_ms) || dropped[i] > 0;
  }
  c.spans = internal::Runs(violated);
  c.span_label = "latency above the SLO or requests dropped";
  if (slo_ms > 0) {
    c.rules.push_back({.value = slo_ms, .label = fmt::format("SLO {:.0f} ms", slo_ms),
                       .colour = internal::kVermillion});
    // Queueing latencies reach the request timeout; past 10x the SLO the shape says nothing more.
    c.y_cap = slo_ms * 10;
  }
  return c;
}

std::string Cell(const Estimate* e, const std::string& metric) {
  if (!e || std::isnan(e->mean)) return "<span class=\"na\">&ndash;</span>";
  std::string s = XmlEscape(internal::FormatMetric(metric, e->mean));
  if (e->n > 1 && e->low != e->high) {
    s += fmt::format("<small>[{}, {}]</small>", XmlEscape(internal::FormatMetric(metric, e->low)),
                     XmlEscape(internal::FormatMetric(metric, e->high)));
  }
  return s;
}

std::string SummaryTableHtml(const ScenarioResults& r) {
  const auto columns = SummaryColumns(r);
  std::string h = "<table class=\"summary\">\n<thead><tr><th>policy</th>";
  for (const auto& c : columns) {
    const char* dir = c.better == SummaryColumn::Better::kLower    ? "lower is better"
                      : c.better == SummaryColumn::Better::kHigher ? "higher is better"
                      : c.better == SummaryColumn::Better::kNearOne ? "closest to 100 % is best"
                                                                     : "";
    h += fmt::format("<th title=\"{} ({})\">{}</th>", XmlEscape(c.metric), dir, XmlEscape(c.header));
  }
  h += "</tr></thead>\n<tbody>\n";
  std::vector<int> best;
  for (const auto& c : columns) best.push_back(BestPolicy(r, c));
  for (size_t i = 0; i < r.policies.size(); ++i) {
    const auto& p = r.policies[i];
    const bool oracle = p.kind == "oracle" || p.name == "oracle";
    h += fmt::format("<tr{}><th><i class=\"swatch\" style=\"--c:{}\"></i>{}<small>{}</small></th>",
                     oracle ? " class=\"oracle\"" : "", PolicyColour(i), XmlEscape(p.name),
                     XmlEscape(oracle ? "perfect foresight (reference)" : p.kind));
    for (size_t k = 0; k < columns.size(); ++k) {
      auto it = p.metrics.find(columns[k].metric);
      const Estimate* e = it == p.metrics.end() ? nullptr : &it->second;
      const bool is_best = best[k] == static_cast<int>(i);
      h += fmt::format("<td{}>{}</td>", is_best ? " class=\"best\" title=\"best\"" : "",
                       Cell(e, columns[k].metric));
    }
    h += "</tr>\n";
  }
  h += "</tbody></table>\n";
  return h;
}

// Every metric, for the reader who wants the rest: a collapsed table.
std::string AllMetricsHtml(const ScenarioResults& r) {
  std::vector<std::string> names;
  for (const auto& p : r.policies) {
    for (const auto& [name, unused] : p.metrics) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  std::string h = "<details><summary>All metrics</summary>\n<table class=\"all\"><thead><tr>"
                  "<th>metric</th>";
  for (const auto& p : r.policies) h += "<th>" + XmlEscape(p.name) + "</th>";
  h += "</tr></thead><tbody>\n";
  for (const auto& name : names) {
    h += "<tr><th>" + XmlEscape(name) + "</th>";
    for (const auto& p : r.policies) {
      auto it = p.metrics.find(name);
      h += "<td>" + Cell(it == p.metrics.end() ? nullptr : &it->second, name) + "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</tbody></table></details>\n";
}

std::string OverviewHtml(const ScenarioResults& r) {
  if (r.policies.empty()) return "";
  const PolicyResult& first = r.policies.front();
  if (first.timeline.resources.empty() || first.timeline.size() == 0) return "";
  const Window w = WindowOf(first.timeline, r);
  Chart capacity = BaseChart(first.timeline, w);
  capacity.title = "All policies: ready capacity at target vs demand (" +
                   first.timeline.resources[0].name + ")";
  capacity.y_label = "requests/s";
  Chart replicas = BaseChart(first.timeline, w);
  replicas.title = "All policies: ready replicas (" + first.timeline.resources[0].name + ")";
  replicas.y_label = "replicas";
  replicas.integer_y = true;
  capacity.series.push_back({.label = "demand", .colour = internal::kBlack, .unit = "req/s",
                             .values = Slice(first.timeline.resources[0].demand, w), .width = 1.3});
  for (size_t i = 0; i < r.policies.size(); ++i) {
    const auto& t = r.policies[i].timeline;
    // Policies of one scenario share the grid; one that does not is left out, not misdrawn.
    if (t.resources.empty() || t.step != first.timeline.step || t.start != first.timeline.start) continue;
    const Window pw = WindowOf(t, r);
    if (pw.size() != w.size()) continue;
    capacity.series.push_back({.label = r.policies[i].name, .colour = PolicyColour(i),
                               .unit = "req/s", .style = Style::kStep,
                               .values = CapacityAtTarget(t.resources[0], pw)});
    replicas.series.push_back({.label = r.policies[i].name, .colour = PolicyColour(i), .unit = "",
                               .style = Style::kStep, .values = Slice(t.resources[0].ready, pw)});
  }
  return "<section>\n<h2>Over the test window</h2>\n" + internal::RenderChart(capacity) +
         internal::RenderChart(replicas) + "</section>\n";
}

std::string PolicyHtml(const PolicyResult& p, size_t index, const ScenarioResults& r) {
  std::string h = fmt::format("<section class=\"policy\">\n<h2><i class=\"swatch\" "
                              "style=\"--c:{}\"></i>{} <small>{}</small></h2>\n",
                              PolicyColour(index), XmlEscape(p.name),
                              XmlEscape(p.kind + (p.source.empty() || p.source == "kind"
                                                      ? std::string()
                                                      : " from " + p.source)));
  const auto& t = p.timeline;
  if (t.size() == 0 || t.resources.empty()) {
    return h + "<p class=\"note\">No timeline recorded for this policy.</p>\n</section>\n";
  }
  const Window w = WindowOf(t, r);
  if (w.size() == 0) {
    return h + "<p class=\"note\">The timeline does not cover the test window.</p>\n</section>\n";
  }
  for (size_t k = 0; k < t.resources.size(); ++k) {
    h += internal::RenderChart(DemandChart(p, k, w));
    h += internal::RenderChart(ReplicaChart(p, k, w));
    h += internal::RenderChart(CpuChart(p, k, w));
  }
  h += internal::RenderChart(LatencyChart(p, r, w));
  return h + "</section>\n";
}

constexpr const char* kStyle = R"CSS(<style>
:root { color-scheme: light; --good: #009E73; --bad: #D55E00; --mixed: #E69F00; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d1d1f; background: #fff; margin: 0; }
main { max-width: 1220px; margin: 0 auto; padding: 20px 24px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h2 small, th small { color: #666; font-weight: normal; margin-left: 8px; font-size: 13px; }
.meta { color: #555; margin: 0 0 16px; }
.verdict { border-left: 8px solid #999; background: #f6f6f6; padding: 14px 18px; font-size: 20px;
  font-weight: 600; margin: 12px 0; }
.verdict.good { border-color: var(--good); background: #e8f6f1; }
.verdict.bad { border-color: var(--bad); background: #fcefe8; }
.verdict.mixed { border-color: var(--mixed); background: #fdf5e4; }
.verdict p { font-size: 15px; font-weight: normal; margin: 6px 0 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 6px 10px; border-bottom: 1px solid #e4e4e4; text-align: right; white-space: nowrap; }
thead th { font-size: 13px; color: #444; border-bottom: 2px solid #bbb; vertical-align: bottom; white-space: normal; }
tbody th { text-align: left; }
td small { display: block; color: #777; font-size: 11px; }
td.best { background: #dff3ea; font-weight: 700; }
tr.oracle { color: #666; font-style: italic; }
.na { color: #aaa; }
i.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; background: var(--c);
  margin-right: 7px; }
ul.assertions { list-style: none; padding: 0; }
ul.assertions li { margin: 6px 0; }
.pass, .fail { display: inline-block; min-width: 46px; text-align: center; border-radius: 3px;
  color: #fff; font-weight: 700; font-size: 12px; padding: 1px 6px; margin-right: 8px; }
.pass { background: var(--good); } .fail { background: var(--bad); }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f2f2f2; padding: 1px 4px; }
.msg { display: block; color: #555; font-size: 13px; margin-left: 62px; }
figure.chart { margin: 18px 0 8px; }
figcaption { font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; color: #333; margin: 4px 0; }
.legend i { display: inline-block; width: 22px; height: 0; border-top: 2px solid var(--c);
  vertical-align: middle; margin-right: 5px; }
.legend i.dash { border-top-style: dashed; } .legend i.rule { border-top: 2px dotted var(--c); }
.legend i.band, .legend i.area { height: 10px; border: 0; background: var(--c); opacity: 0.5; }
.legend b { margin-right: 4px; font-size: 11px; }
.plot { position: relative; }
svg { width: 100%; height: auto; display: block; }
svg .tick { font-size: 11px; fill: #555; } svg .axis { font-size: 12px; fill: #333; }
.tip { position: absolute; top: 8px; background: rgba(255,255,255,0.96); border: 1px solid #bbb;
  border-radius: 4px; padding: 6px 8px; font-size: 12px; pointer-events: none; white-space: nowrap;
  box-shadow: 0 1px 4px rgba(0,0,0,0.15); }
.tip i { display: inline-block; width: 9px; height: 9px; margin-right: 5px; }
.note { color: #666; font-size: 13px; margin: 2px 0; }
details { margin: 10px 0; } summary { cursor: pointer; color: #0072B2; }
</style>
)CSS";

}  // namespace

std::string ReportHtml(const ScenarioResults& r) {
  const Verdict verdict = Headline(r);
  size_t passed = 0;
  for (const auto& a : r.assertions) passed += a.passed ? 1 : 0;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + XmlEscape("forescale test: " + r.name) + "</title>\n";
  h += kStyle;
  h += "</head>\n<body>\n<main>\n";
  h += "<h1>Predictive-scaling test: " + XmlEscape(r.name) + "</h1>\n";
  std::string meta;
  if (r.test_to > r.test_from) {
    meta += fmt::format("Test window {} to {} UTC ({:.1f} h)", internal::FormatUtcMinute(r.test_from),
                        internal::FormatUtcMinute(r.test_to),
                        std::chrono::duration<double, std::ratio<3600>>(r.test_to - r.test_from).count());
  }
  if (r.slo_p95_latency.count() > 0) {
    meta += fmt::format(" · SLO: p95 latency &le; {}", XmlEscape(FormatDuration(r.slo_p95_latency)));
    if (r.max_drop_fraction > 0) meta += fmt::format(", drops &le; {:.2g} %", r.max_drop_fraction * 100);
  }
  meta += fmt::format(" · {} repetition{} · seed {}", r.repetitions, r.repetitions == 1 ? "" : "s",
                      r.seed);
  if (!r.scenario_path.empty()) meta += " · scenario " + XmlEscape(r.scenario_path);
  h += "<p class=\"meta\">" + meta + "</p>\n";
  if (!r.description.empty()) h += "<p>" + XmlEscape(r.description) + "</p>\n";

  const char* tone = verdict.tone == Verdict::Tone::kGood   ? "good"
                     : verdict.tone == Verdict::Tone::kBad  ? "bad"
                     : verdict.tone == Verdict::Tone::kMixed ? "mixed"
                                                             : "neutral";
  h += fmt::format("<div class=\"verdict {}\">{}", tone, XmlEscape(verdict.text));
  for (const auto& p : r.policies) {
    if (p.kind != "oracle" && p.name != "oracle") continue;
    auto slo = p.metrics.find("slo_violation_minutes");
    auto cost = p.metrics.find("cost");
    if (slo != p.metrics.end() && cost != p.metrics.end()) {
      h += "<p>" +
           XmlEscape(fmt::format("For reference, the oracle (perfect foresight) had {} "
                                 "SLO-violation minutes at a cost of {}.",
                                 internal::FormatMetric("slo_violation_minutes", slo->second.mean),
                                 internal::FormatMetric("cost", cost->second.mean))) +
           "</p>";
    }
    break;
  }
  if (!r.assertions.empty()) {
    h += fmt::format("<p>{} of {} assertions hold.</p>", passed, r.assertions.size());
  }
  h += "</div>\n";

  h += "<section>\n<h2>Summary</h2>\n" + SummaryTableHtml(r);
  h += "<p class=\"note\">Highlighted: the best value of each column among the policies tested "
       "(the oracle is the reference, not a contender). Times in the test window only.";
  if (r.repetitions > 1) {
    h += fmt::format(" Brackets: 95 % confidence interval over {} repetitions.", r.repetitions);
  }
  if (const std::string note = ResponseColumnsNote(r); !note.empty()) h += " " + XmlEscape(note);
  h += "</p>\n" + AllMetricsHtml(r) + "</section>\n";

  if (!r.assertions.empty()) {
    h += "<section>\n<h2>Assertions</h2>\n<ul class=\"assertions\">\n";
    for (const auto& a : r.assertions) {
      h += fmt::format("<li><span class=\"{}\">{}</span><code>{}</code><span class=\"msg\">{}</span>"
                       "</li>\n",
                       a.passed ? "pass" : "fail", a.passed ? "PASS" : "FAIL",
                       XmlEscape(a.expression), XmlEscape(a.message));
    }
    h += "</ul>\n</section>\n";
  }
  if (!r.notes.empty()) {
    h += "<section>\n<h2>Notes</h2>\n<ul>\n";
    for (const auto& n : r.notes) h += "<li>" + XmlEscape(n) + "</li>\n";
    h += "</ul>\n</section>\n";
  }
  h += OverviewHtml(r);
  for (size_t i = 0; i < r.policies.size(); ++i) h += PolicyHtml(r.policies[i], i, r);
  h += fmt::format("<p class=\"note\">Generated by forescale in {:.1f} s. Hover a chart for its "
                   "values; hover a marker for the scaling decision's reason.</p>\n",
                   r.seconds);
  h += "</main>\n" + internal::ChartScript() + "</body>\n</html>\n";
  return h;
}

Result<void> WriteReportHtml(const ScenarioResults& results, const std::string& path) {
  return WriteOutputFile(path, ReportHtml(results));
}

}  // namespace forescale::testkit
