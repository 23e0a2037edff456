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

// A column that flags outages: named `outage`, holding only 0, 1 or nothing (the bundled NASA
// trace writes the Hurricane Erin outage as zero requests with outage=1). At the times it
// flags, the values of the other series with the same labels are missing (NaN), not zero load:
// what no one measured must not be learned as an idle service. Returns how many values became
// missing; 0 without such a column (a column named `outage` holding other values is left as
// it is, an ordinary series).
size_t MaskOutageRows(std::vector<MetricSeries>& series);

}  // namespace forescale::ingest
