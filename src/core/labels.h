// Series identity: a name and a set of labels, as Prometheus keeps them.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/error.h"

namespace forescale {

// Sorted by key, so that equal label sets compare and print equal.
using Labels = std::map<std::string, std::string>;

// `name{k="v",...}`, values escaped as in the Prometheus text format (\\, \", \n);
// just `name` when there are no labels.
std::string FormatSeriesId(std::string_view name, const Labels& labels);

// The inverse of FormatSeriesId: `nasa:status{class="2xx"}` -> name and labels.
struct SeriesId {
  std::string name;
  Labels labels;
};
Result<SeriesId> ParseSeriesId(std::string_view text);

}  // namespace forescale
