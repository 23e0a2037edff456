#include "testkit/internal/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include <nlohmann/json.hpp>

#include "testkit/internal/report_io.h"

namespace forescale::testkit::internal {
namespace {

// Geometry of every chart (viewBox units); the SVG scales to the page width.
constexpr double kWidth = 1200, kHeight = 250;
constexpr double kLeft = 72, kRight = 16, kTop = 14, kBottom = 34;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;
// Buckets per chart: two points each keeps every series within kMaxPoints.
constexpr size_t kBuckets = kMaxPoints / 2;

struct Bucket {
  size_t from = 0, to = 0;  // [from, to) in steps
};

std::vector<Bucket> MakeBuckets(size_t n) {
  std::vector<Bucket> out;
  const size_t b = std::min(n, kBuckets);
  for (size_t k = 0; k < b; ++k) out.push_back({k * n / b, (k + 1) * n / b});
  return out;
}

struct Frame {
  size_t n = 1;
  double y_min = 0, y_max = 1;
  double X(double i) const { return kLeft + kPlotW * (n > 1 ? i / static_cast<double>(n - 1) : 0.5); }
  double Y(double v) const {
    const double c = std::clamp(v, y_min, y_max);
    return kTop + kPlotH * (1 - (c - y_min) / (y_max - y_min));
  }
};

std::string Num(double v) { return fmt::format("{:.1f}", v); }

// 1, 2 or 5 x 10^k: the tick step giving about `target` ticks.
double NiceStep(double range, int target) {
  const double raw = range / target;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (raw <= m * mag) return m * mag;
  }
  return 10 * mag;
}

std::string Compact(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:g}M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:g}k", v / 1e3);
  return fmt::format("{:g}", std::round(v * 1e6) / 1e6);
}

// A polyline of (index, value) points broken at NaN.
std::string PathOf(const std::vector<std::pair<double, double>>& pts, const Frame& f, bool step) {
  std::string d;
  bool pen_down = false;
  double last_y = 0;
  for (const auto& [i, v] : pts) {
    if (std::isnan(v)) {
      pen_down = false;
      continue;
    }
    const double x = f.X(i), y = f.Y(v);
    if (!pen_down) {
      d += fmt::format("M{},{}", Num(x), Num(y));
      pen_down = true;
    } else if (step) {
      d += fmt::format("H{}V{}", Num(x), Num(y));
    } else {
      d += fmt::format("L{},{}", Num(x), Num(y));
    }
    last_y = y;
  }
  (void)last_y;
  return d;
}

// Points of one series: exact when short, change points for steps, else min/max per bucket.
std::vector<std::pair<double, double>> Points(const std::vector<double>& v, bool step,
                                              const std::vector<Bucket>& buckets) {
  std::vector<std::pair<double, double>> pts;
  if (v.size() <= kMaxPoints) {
    for (size_t i = 0; i < v.size(); ++i) pts.emplace_back(static_cast<double>(i), v[i]);
    return pts;
  }
  if (step) {
    for (size_t i = 0; i < v.size(); ++i) {
      const bool same = i > 0 && (v[i] == v[i - 1] || (std::isnan(v[i]) && std::isnan(v[i - 1])));
      if (!same || i + 1 == v.size()) {
        // A step holds its value until the next change: repeat the old value just before it.
        if (i > 0 && !same && !pts.empty() && pts.back().first != static_cast<double>(i - 1) &&
            !std::isnan(v[i - 1]) && !std::isnan(v[i])) {
          pts.emplace_back(static_cast<double>(i - 1), v[i - 1]);
        }
        pts.emplace_back(static_cast<double>(i), v[i]);
      }
      if (pts.size() > kMaxPoints) break;
    }
    if (pts.size() <= kMaxPoints) return pts;
    pts.clear();
  }
  for (const Bucket& b : buckets) {
    size_t lo = b.from, hi = b.from;
    bool any = false;
    for (size_t i = b.from; i < b.to; ++i) {
      if (std::isnan(v[i])) continue;
      if (!any || v[i] < v[lo]) lo = i;
      if (!any || v[i] > v[hi]) hi = i;
      any = true;
    }
    if (!any) {
      pts.emplace_back(static_cast<double>(b.from), std::nan(""));
      continue;
    }
    const size_t first = std::min(lo, hi), second = std::max(lo, hi);
    pts.emplace_back(static_cast<double>(first), v[first]);
    if (second != first) pts.emplace_back(static_cast<double>(second), v[second]);
  }
  return pts;
}

// A filled band between lower and upper, one polygon per stretch without gaps.
std::string BandPath(const ChartSeries& s, const Frame& f, const std::vector<Bucket>& buckets) {
  struct Edge {
    double i, lo, hi;
  };
  std::vector<Edge> edges;
  const size_t n = s.values.size();
  if (n <= kMaxPoints) {
    for (size_t i = 0; i < n; ++i) edges.push_back({static_cast<double>(i), s.values[i], s.upper[i]});
  } else {
    for (const Bucket& b : buckets) {
      double lo = INFINITY, hi = -INFINITY;
      for (size_t i = b.from; i < b.to; ++i) {
        if (std::isnan(s.values[i]) || std::isnan(s.upper[i])) continue;
        lo = std::min(lo, s.values[i]);
        hi = std::max(hi, s.upper[i]);
      }
      const double mid = (static_cast<double>(b.from) + static_cast<double>(b.to - 1)) / 2;
      if (lo > hi) edges.push_back({mid, NAN, NAN});
      else edges.push_back({mid, lo, hi});
    }
  }
  std::string d;
  size_t k = 0;
  while (k < edges.size()) {
    while (k < edges.size() && std::isnan(edges[k].lo)) ++k;
    const size_t begin = k;
    while (k < edges.size() && !std::isnan(edges[k].lo)) ++k;
    if (k == begin) continue;
    for (size_t j = begin; j < k; ++j) {
      d += fmt::format("{}{},{}", j == begin ? "M" : "L", Num(f.X(edges[j].i)), Num(f.Y(edges[j].hi)));
    }
    for (size_t j = k; j-- > begin;) {
      d += fmt::format("L{},{}", Num(f.X(edges[j].i)), Num(f.Y(edges[j].lo)));
    }
    d += "Z";
  }
  return d;
}

// Tick spacing for the time axis: the first candidate giving at most 12 ticks.
Duration TimeTickStep(Duration span) {
  using std::chrono::minutes, std::chrono::hours;
  const std::array<Duration, 16> candidates = {
      std::chrono::seconds(10), std::chrono::seconds(30), minutes(1), minutes(2), minutes(5),
      minutes(10), minutes(15), minutes(30), hours(1), hours(2), hours(3), hours(6), hours(12),
      hours(24), hours(48), hours(24 * 7)};
  for (Duration c : candidates) {
    if (span / c <= 12) return c;
  }
  return span / 10;
}

std::string FormatTick(TimePoint t, Duration tick, bool with_date) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(t - day);
  const std::string date = fmt::format("{:02}-{:02}", static_cast<unsigned>(ymd.month()),
                                       static_cast<unsigned>(ymd.day()));
  if (tick >= std::chrono::hours(24)) return date;
  std::string time = fmt::format("{:02}:{:02}", hms.hours().count(), hms.minutes().count());
  if (tick < std::chrono::minutes(1)) time += fmt::format(":{:02}", hms.seconds().count());
  return with_date ? date + " " + time : time;
}

std::string DashFor(ChartSeries::Style s) {
  return s == ChartSeries::Style::kDashed ? " stroke-dasharray=\"6 4\"" : "";
}

}  // namespace

std::vector<ChartSpan> Runs(const std::vector<bool>& flag) {
  std::vector<ChartSpan> out;
  for (size_t i = 0; i < flag.size();) {
    if (!flag[i]) {
      ++i;
      continue;
    }
    const size_t from = i;
    while (i < flag.size() && flag[i]) ++i;
    out.push_back({from, i});
  }
  return out;
}

std::string FormatUtcMinute(TimePoint t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(t - day);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count());
}

std::string RenderChart(const Chart& c) {
  const size_t n = c.size;
  const auto buckets = MakeBuckets(n);
  Frame f;
  f.n = std::max<size_t>(n, 1);
  double hi = 0, lo = 0;
  bool clipped = false;
  for (const auto& s : c.series) {
    for (const auto* values : {&s.values, &s.upper}) {
      for (double v : *values) {
        if (!std::isfinite(v)) continue;
        if (v > c.y_cap) {
          clipped = true;
          v = c.y_cap;
        }
        hi = std::max(hi, v);
        lo = std::min(lo, v);
      }
    }
  }
  for (const auto& r : c.rules) hi = std::max(hi, std::min(r.value, c.y_cap));
  if (hi <= lo) hi = lo + 1;
  double y_step = NiceStep((hi - lo) * 1.05, 5);
  if (c.integer_y) y_step = y_step == 2.5 ? 2 : std::max(1.0, std::round(y_step));
  f.y_min = std::floor(lo / y_step) * y_step;
  f.y_max = std::ceil(hi * 1.05 / y_step) * y_step;

  std::string svg = fmt::format(
      "<svg viewBox=\"0 0 {} {}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
      "aria-label=\"{}\">\n",
      kWidth, kHeight, XmlEscape(c.title));
  // Shaded spans under everything else.
  for (const ChartSpan& s : c.spans) {
    const double x0 = f.X(static_cast<double>(s.from)), x1 = f.X(static_cast<double>(s.to) - 1);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
                       "opacity=\"0.6\"><title>{}: {} to {}</title></rect>\n",
                       Num(x0), kTop, Num(std::max(1.0, x1 - x0)), kPlotH, c.span_colour,
                       XmlEscape(c.span_label), FormatUtcMinute(c.start + c.step * static_cast<int64_t>(s.from)),
                       FormatUtcMinute(c.start + c.step * static_cast<int64_t>(s.to)));
  }
  // Grid and y axis.
  for (double y = f.y_min; y <= f.y_max + y_step / 2; y += y_step) {
    svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#e3e3e3\"/>"
                       "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"tick\">{}</text>\n",
                       kLeft, kLeft + kPlotW, Num(f.Y(y)), Num(f.Y(y)), kLeft - 6,
                       Num(f.Y(y) + 4), Compact(y));
  }
  svg += fmt::format("<text transform=\"translate(14,{}) rotate(-90)\" text-anchor=\"middle\" "
                     "class=\"axis\">{}</text>\n",
                     Num(kTop + kPlotH / 2), XmlEscape(c.y_label));
  // Time axis.
  if (n > 0) {
    const TimePoint t0 = c.start, t1 = c.start + c.step * static_cast<int64_t>(n - 1);
    const Duration tick = TimeTickStep(std::max(t1 - t0, Duration{1}));
    const int64_t first = (t0.time_since_epoch().count() + tick.count() - 1) / tick.count();
    int day_shown = -1;
    for (TimePoint t{Duration{first * tick.count()}}; t <= t1; t += tick) {
      const double i = static_cast<double>((t - t0) / c.step) +
                       static_cast<double>(((t - t0) % c.step).count()) / static_cast<double>(c.step.count());
      const double x = f.X(i);
      const int day = static_cast<int>(std::chrono::floor<std::chrono::days>(t).time_since_epoch().count());
      const bool with_date = day != day_shown;
      day_shown = day;
      svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#eeeeee\"/>"
                         "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"tick\">{}</text>\n",
                         Num(x), Num(x), kTop, kTop + kPlotH, Num(x), kTop + kPlotH + 16,
                         FormatTick(t, tick, with_date));
    }
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"axis\">time (UTC)</text>\n",
                       kLeft + kPlotW, kHeight - 2);
  }
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
                     "stroke=\"#999\"/>\n",
                     kLeft, kTop, kPlotW, kPlotH);
  // Bands first, so lines stay on top.
  for (const auto& s : c.series) {
    if (s.style != ChartSeries::Style::kBand || s.upper.size() != s.values.size()) continue;
    svg += fmt::format("<path d=\"{}\" fill=\"{}\" opacity=\"0.28\" stroke=\"none\"/>\n",
                       BandPath(s, f, buckets), s.colour);
  }
  for (const auto& r : c.rules) {
    if (r.value > f.y_max || r.value < f.y_min) continue;
    svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" "
                       "stroke-width=\"1.5\" stroke-dasharray=\"3 3\"><title>{}</title></line>\n",
                       kLeft, kLeft + kPlotW, Num(f.Y(r.value)), Num(f.Y(r.value)), r.colour,
                       XmlEscape(r.label));
  }
  for (const auto& s : c.series) {
    if (s.style == ChartSeries::Style::kBand) continue;
    const bool step = s.style == ChartSeries::Style::kStep;
    svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{} "
                       "stroke-linejoin=\"round\"/>\n",
                       PathOf(Points(s.values, step, buckets), f, step), s.colour, s.width,
                       DashFor(s.style));
  }
  // Markers along the top (scaling actions) and the bottom (alerts).
  for (const auto& m : c.markers) {
    const double x = f.X(static_cast<double>(m.index));
    std::string shape;
    if (m.kind == ChartMarker::Kind::kUp) {
      shape = fmt::format("<path d=\"M{},{}l-4.5,8h9z\" fill=\"{}\"", Num(x), kTop + 1, kBlue);
    } else if (m.kind == ChartMarker::Kind::kDown) {
      shape = fmt::format("<path d=\"M{},{}l-4.5,-8h9z\" fill=\"{}\"", Num(x), kTop + 9, kOrange);
    } else {
      shape = fmt::format("<path d=\"M{},{}l-5,9h10z\" fill=\"{}\" stroke=\"#fff\" "
                          "stroke-width=\"0.8\"",
                          Num(x), kTop + kPlotH - 10, kVermillion);
    }
    svg += shape + "><title>" + XmlEscape(m.title) + "</title></path>\n";
  }
  svg += fmt::format("<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"{}\" y2=\"{}\" stroke=\"#333\" "
                     "stroke-width=\"0.8\" visibility=\"hidden\"/>\n",
                     kTop, kTop + kPlotH);
  svg += "</svg>\n";

  // Legend.
  std::string legend = "<div class=\"legend\">";
  for (const auto& s : c.series) {
    const char* cls = s.style == ChartSeries::Style::kBand     ? "band"
                      : s.style == ChartSeries::Style::kDashed ? "dash"
                                                               : "line";
    legend += fmt::format("<span><i class=\"{}\" style=\"--c:{}\"></i>{}</span>", cls, s.colour,
                          XmlEscape(s.label));
  }
  for (const auto& r : c.rules) {
    legend += fmt::format("<span><i class=\"rule\" style=\"--c:{}\"></i>{}</span>", r.colour,
                          XmlEscape(r.label));
  }
  if (!c.spans.empty()) {
    legend += fmt::format("<span><i class=\"area\" style=\"--c:{}\"></i>{}</span>", c.span_colour,
                          XmlEscape(c.span_label));
  }
  bool up = false, down = false, alert = false;
  for (const auto& m : c.markers) {
    up |= m.kind == ChartMarker::Kind::kUp;
    down |= m.kind == ChartMarker::Kind::kDown;
    alert |= m.kind == ChartMarker::Kind::kAlert;
  }
  if (up) legend += fmt::format("<span><b style=\"color:{}\">&#9650;</b>scale up</span>", kBlue);
  if (down) legend += fmt::format("<span><b style=\"color:{}\">&#9660;</b>scale down</span>", kOrange);
  if (alert) {
    legend += fmt::format("<span><b style=\"color:{}\">&#9650;</b>alert: forecast above max "
                          "capacity</span>",
                          kVermillion);
  }
  legend += "</div>\n";

  // Tooltip data: the bucket means of every line.
  nlohmann::json data = {{"w", kWidth},
                         {"x0", kLeft},
                         {"x1", kLeft + kPlotW},
                         {"n", buckets.size()},
                         {"t0", c.start.time_since_epoch().count()},
                         {"dt", buckets.empty() ? 0.0
                                                : static_cast<double>(c.step.count()) *
                                                      static_cast<double>(n) /
                                                      static_cast<double>(buckets.size())},
                         {"s", nlohmann::json::array()}};
  for (const auto& s : c.series) {
    const auto* values = s.style == ChartSeries::Style::kBand ? &s.upper : &s.values;
    nlohmann::json v = nlohmann::json::array();
    for (const Bucket& b : buckets) {
      double sum = 0;
      size_t count = 0;
      for (size_t i = b.from; i < b.to; ++i) {
        if (std::isfinite((*values)[i])) sum += (*values)[i], ++count;
      }
      if (count == 0) v.push_back(nullptr);
      else v.push_back(std::stod(fmt::format("{:.4g}", sum / static_cast<double>(count))));
    }
    data["s"].push_back({{"l", ValidUtf8(s.label)}, {"u", ValidUtf8(s.unit)}, {"c", s.colour},
                         {"v", std::move(v)}});
  }
  std::string json = data.dump();
  // '<' only occurs inside JSON strings, where \u003c means the same and cannot end the script.
  std::string safe;
  for (char ch : json) safe += ch == '<' ? std::string("\\u003c") : std::string(1, ch);

  std::string note = c.note;
  if (clipped) {
    note += fmt::format("{}Values above {} are drawn at the top edge.", note.empty() ? "" : " ",
                        Compact(c.y_cap));
  }
  std::string out = "<figure class=\"chart\">\n<figcaption>" + XmlEscape(c.title) +
                    "</figcaption>\n" + legend + "<div class=\"plot\">" + svg +
                    "<div class=\"tip\" hidden></div></div>\n";
  if (!note.empty()) out += "<p class=\"note\">" + XmlEscape(note) + "</p>\n";
  out += "<script type=\"application/json\">" + safe + "</script>\n</figure>\n";
  return out;
}

std::string ChartScript() {
  return R"JS(<script>
// Crosshair and values under the mouse; the data is each chart's JSON block.
document.querySelectorAll('figure.chart').forEach(function (fig) {
  var data = JSON.parse(fig.querySelector('script[type="application/json"]').textContent);
  var plot = fig.querySelector('.plot'), svg = plot.querySelector('svg');
  var tip = plot.querySelector('.tip'), cursor = svg.querySelector('.cursor');
  function hide() { tip.hidden = true; cursor.setAttribute('visibility', 'hidden'); }
  svg.addEventListener('mousemove', function (ev) {
    var r = svg.getBoundingClientRect();
    var x = (ev.clientX - r.left) * data.w / r.width;
    if (data.n === 0 || x < data.x0 || x > data.x1) { hide(); return; }
    var i = Math.min(data.n - 1, Math.floor((x - data.x0) / (data.x1 - data.x0) * data.n));
    cursor.setAttribute('x1', x); cursor.setAttribute('x2', x);
    cursor.setAttribute('visibility', 'visible');
    tip.replaceChildren();
    var head = document.createElement('b');
    head.textContent = new Date(data.t0 + i * data.dt).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
    tip.append(head);
    data.s.forEach(function (s) {
      var row = document.createElement('div'), sw = document.createElement('i');
      sw.style.background = s.c;
      var v = s.v[i];
      row.append(sw, s.l + ': ' + (v === null ? 'n/a' : v + (s.u ? ' ' + s.u : '')));
      tip.append(row);
    });
    tip.hidden = false;
    var px = ev.clientX - plot.getBoundingClientRect().left;
    tip.style.left = (px + 14 + tip.offsetWidth > plot.clientWidth ? px - tip.offsetWidth - 14 : px + 14) + 'px';
  });
  svg.addEventListener('mouseleave', hide);
});
</script>
)JS";
}

}  // namespace forescale::testkit::internal
