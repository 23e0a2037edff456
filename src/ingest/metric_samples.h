// Samples of metrics read from metric exports (CSV, Prometheus JSON and text), before they are
// put on a time grid.
//
// A metric file holds one or more series, each identified by a name and labels; every sample is
// (time, value). Values may be NaN (an explicit gap); parsers reject non-numeric text.
#pragma once

#include <string>
#include <vector>

#include "core/labels.h"
#include "core/series.h"

namespace forescale::ingest {

struct MetricSeries {
  std::string name;
  Labels labels;
  std::vector<Sample> samples;  // in input order; may be unsorted or repeat a time
};

}  // namespace forescale::ingest
