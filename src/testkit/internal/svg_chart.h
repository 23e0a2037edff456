// Time-series charts as inline SVG for the self-contained HTML report: no script library, no
// network. Long series are cut to at most kMaxPoints points per series by min/max-preserving
// buckets (each bucket keeps its lowest and its highest value, in time order), so a one-second
// spike in a week of data still shows. Step series (replica counts) are drawn exactly from their
// change points when there are few enough. Not part of testkit's interface.
#pragma once

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace forescale::testkit::internal {

inline constexpr size_t kMaxPoints = 1500;

// Okabe & Ito's palette: distinguishable with every common colour-vision deficiency.
inline constexpr const char* kBlack = "#000000";
inline constexpr const char* kOrange = "#E69F00";
inline constexpr const char* kSky = "#56B4E9";
inline constexpr const char* kGreen = "#009E73";
inline constexpr const char* kBlue = "#0072B2";
inline constexpr const char* kVermillion = "#D55E00";
inline constexpr const char* kPurple = "#CC79A7";
inline constexpr const char* kGrey = "#777777";

struct ChartSeries {
  std::string label;
  std::string colour;
  std::string unit;                  // shown in the tooltip: "req/s", "%", "ms"
  enum class Style { kLine, kStep, kDashed, kBand } style = Style::kLine;
  std::vector<double> values;        // one per step of the chart (NaN: no value, a gap)
  std::vector<double> upper;         // kBand only: the upper edge; `values` is the lower edge
  double width = 1.6;
};

// A horizontal reference line: the SLO, the target utilisation, the maximum capacity.
struct ChartRule {
  double value = 0;
  std::string label;
  std::string colour;
};

// A point event drawn on the time axis; `title` is shown on hover.
struct ChartMarker {
  size_t index = 0;
  std::string title;
  enum class Kind { kUp, kDown, kAlert } kind = Kind::kUp;
};

// A shaded stretch of time [from, to) in steps, e.g. SLO-violation time.
struct ChartSpan {
  size_t from = 0, to = 0;
};

struct Chart {
  std::string title;
  std::string y_label;               // axis title with its unit: "requests/s", "replicas"
  std::string note;                  // one line under the chart (what is clipped, what is unknown)
  TimePoint start{};
  Duration step{std::chrono::seconds(1)};
  size_t size = 0;                   // steps; every series has this many values
  std::vector<ChartSeries> series;
  std::vector<ChartRule> rules;
  std::vector<ChartMarker> markers;
  std::vector<ChartSpan> spans;
  std::string span_label;            // legend entry of the shaded spans
  std::string span_colour = "#F4C7B8";
  double y_cap = std::numeric_limits<double>::infinity();  // higher values are drawn at the top
  bool integer_y = false;            // counts: no tick at 2.5 replicas
};

// A <figure class="chart"> with an HTML legend, the SVG and the tooltip data (JSON in a
// <script type="application/json">, read by ChartScript()).
std::string RenderChart(const Chart& chart);

// The few lines of JavaScript that show a crosshair and the values under the mouse. Include once.
std::string ChartScript();

// Stretches of consecutive indices where `flag` is true, for ChartSpan / alert markers.
std::vector<ChartSpan> Runs(const std::vector<bool>& flag);

// "2024-03-05 14:00" (UTC).
std::string FormatUtcMinute(TimePoint t);

}  // namespace forescale::testkit::internal
