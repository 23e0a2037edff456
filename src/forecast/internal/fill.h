// Filling missing steps for the models that need a complete history (decompositions, Theta).
#pragma once

#include <cstddef>
#include <vector>

namespace forescale::forecast::internal {

// Returns `values` with every NaN replaced: a gap shorter than `period` steps is interpolated
// linearly between its neighbours; a longer gap (an outage) takes the value one period
// earlier (or later, at the start), so that a day-long hole is filled with a day's shape,
// not a straight line. Leading and trailing gaps take the nearest present value when no
// period is known. `period` 0 or 1 means no season. At least one value must be present.
std::vector<double> FillMissing(const std::vector<double>& values, size_t period);

// Mean of the non-NaN values, 0 when there are none.
double MeanPresent(const std::vector<double>& values);

}  // namespace forescale::forecast::internal
