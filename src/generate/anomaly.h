// Isolation forest anomaly detection (Liu, Ting & Zhou 2008), with the paper's defaults:
// 100 trees, sub-samples of 256 rows, height limit ceil(log2 256) = 8, anomaly score
// s(x) = 2^(-E[h(x)] / c(256)). Scores near 1 are anomalies, around 0.5 or below are normal.
//
// Used on windows of a load history (WindowFeatures) to find its most unusual episodes, which
// the edge-case generator turns into test profiles. Deterministic for a given seed.
// Thread safety: const methods may be called concurrently.
#pragma once

#include <cstdint>
#include <vector>

#include "core/series.h"

namespace forescale::generate {

struct IsolationForestOptions {
  size_t trees = 100;
  size_t sample_size = 256;
  uint64_t seed = 1;
};

class IsolationForest {
 public:
  // Rows are feature vectors of equal length; at least 2 rows.
  static IsolationForest Fit(const std::vector<std::vector<double>>& rows,
                             IsolationForestOptions options = {});
  double Score(const std::vector<double>& row) const;

 private:
  struct Node {
    int feature = -1;       // -1: leaf
    double split = 0;
    int left = -1, right = -1;
    size_t size = 0;        // rows that reached a leaf
  };
  struct Tree {
    std::vector<Node> nodes;
  };
  double PathLength(const Tree& tree, const std::vector<double>& row) const;

  std::vector<Tree> trees_;
  double normaliser_ = 1;   // c(sample size)
};

// c(n): the average path length of an unsuccessful search in a binary search tree of n keys.
double AveragePathLength(size_t n);

// Features of consecutive windows of `window` steps (the last partial window dropped): mean,
// standard deviation, max / mean, the largest one-step rise relative to the mean, the slope
// across the window relative to the mean, and the share of missing steps. Features are on
// relative scales so that a busy hour and a quiet one compare by shape, not size.
std::vector<std::vector<double>> WindowFeatures(const Series& series, size_t window);

}  // namespace forescale::generate
