#include "generate/anomaly.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/rng.h"

namespace forescale::generate {
double AveragePathLength(size_t n) {
  if (n <= 1) return 0.0;
  if (n == 2) return 1.0;
  const double harmonic = std::log(static_cast<double>(n - 1)) + std::numbers::egamma;
  return 2.0 * harmonic - 2.0 * static_cast<double>(n - 1) / static_cast<double>(n);
}

IsolationForest IsolationForest::Fit(const std::vector<std::vector<double>>& rows,
                                     IsolationForestOptions options) {
  IsolationForest forest;
  if (rows.empty()) return forest;
  const size_t features = rows.front().size();
  const size_t sample = std::min(options.sample_size, rows.size());
  const int height_limit = static_cast<int>(std::ceil(std::log2(std::max<size_t>(sample, 2))));
  forest.normaliser_ = std::max(AveragePathLength(sample), 1e-9);
  Rng rng(options.seed);
  std::vector<size_t> indices(rows.size());
  for (size_t t = 0; t < options.trees; ++t) {
    // Sub-sample without replacement: a partial Fisher–Yates shuffle.
    for (size_t i = 0; i < indices.size(); ++i) indices[i] = i;
    for (size_t i = 0; i < sample; ++i) {
      const size_t j = i + static_cast<size_t>(rng.UniformInt(indices.size() - i));
      std::swap(indices[i], indices[j]);
    }
    Tree tree;
    // Iterative build: (node index, rows, depth).
    struct Work {
      int node;
      std::vector<size_t> members;
      int depth;
    };
    std::vector<Work> stack;
    tree.nodes.push_back({});
    stack.push_back({0, std::vector<size_t>(indices.begin(), indices.begin() + static_cast<ptrdiff_t>(sample)), 0});
    while (!stack.empty()) {
      Work w = std::move(stack.back());
      stack.pop_back();
      Node& node = tree.nodes[static_cast<size_t>(w.node)];
      node.size = w.members.size();
      if (w.depth >= height_limit || w.members.size() <= 1 || features == 0) continue;
      // A random feature with spread among the members, then a uniform split in its range.
      int feature = -1;
      double lo = 0, hi = 0;
      for (size_t attempt = 0; attempt < features && feature < 0; ++attempt) {
        const int f = static_cast<int>(rng.UniformInt(features));
        lo = INFINITY;
        hi = -INFINITY;
        for (size_t m : w.members) {
          const double v = rows[m][static_cast<size_t>(f)];
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        if (hi > lo) feature = f;
      }
      if (feature < 0) continue;  // all members identical: a leaf
      const double split = lo + rng.Uniform() * (hi - lo);
      std::vector<size_t> left, right;
      for (size_t m : w.members) {
        (rows[m][static_cast<size_t>(feature)] < split ? left : right).push_back(m);
      }
      const int left_index = static_cast<int>(tree.nodes.size());
      tree.nodes.push_back({});
      tree.nodes.push_back({});
      Node& parent = tree.nodes[static_cast<size_t>(w.node)];
      parent.feature = feature;
      parent.split = split;
      parent.left = left_index;
      parent.right = left_index + 1;
      stack.push_back({left_index, std::move(left), w.depth + 1});
      stack.push_back({left_index + 1, std::move(right), w.depth + 1});
    }
    forest.trees_.push_back(std::move(tree));
  }
  return forest;
}

double IsolationForest::PathLength(const Tree& tree, const std::vector<double>& row) const {
  int index = 0;
  double depth = 0;
  for (;;) {
    const Node& node = tree.nodes[static_cast<size_t>(index)];
    if (node.feature < 0) return depth + AveragePathLength(node.size);
    index = row[static_cast<size_t>(node.feature)] < node.split ? node.left : node.right;
    depth += 1;
  }
}

double IsolationForest::Score(const std::vector<double>& row) const {
  if (trees_.empty()) return 0.5;
  double total = 0;
  for (const Tree& tree : trees_) total += PathLength(tree, row);
  const double mean = total / static_cast<double>(trees_.size());
  return std::pow(2.0, -mean / normaliser_);
}

std::vector<std::vector<double>> WindowFeatures(const Series& series, size_t window) {
  std::vector<std::vector<double>> rows;
  if (window < 2) return rows;
  for (size_t start = 0; start + window <= series.size(); start += window) {
    double sum = 0, sum2 = 0, max = -INFINITY, max_rise = 0, first = NAN, last = NAN, prev = NAN;
    size_t n = 0, missing = 0;
    for (size_t i = start; i < start + window; ++i) {
      const double v = series.values[i];
      if (std::isnan(v)) {
        ++missing;
        continue;
      }
      sum += v;
      sum2 += v * v;
      max = std::max(max, v);
      if (!std::isnan(prev)) max_rise = std::max(max_rise, v - prev);
      if (std::isnan(first)) first = v;
      last = v;
      prev = v;
      ++n;
    }
    const double mean = n ? sum / static_cast<double>(n) : 0.0;
    const double scale = std::max(std::fabs(mean), 1e-9);
    const double sd = n > 1 ? std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - mean * mean)) : 0.0;
    rows.push_back({std::log1p(std::max(mean, 0.0)), sd / scale, n ? max / scale : 0.0,
                    max_rise / scale, n ? (last - first) / scale : 0.0,
                    static_cast<double>(missing) / static_cast<double>(window)});
  }
  return rows;
}

}  // namespace forescale::generate
