// A one-line progress bar on standard error, drawn only when it is a terminal.
//
// Redraws at most ten times a second, so calling Update() per block costs nothing measurable.
// With a known total it shows a bar and a percentage; without (stdin) it shows bytes and rate.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/clock.h"

namespace forescale::app {

class ProgressBar {
 public:
  ProgressBar(const Clock& clock, std::string label, std::optional<uint64_t> total, bool enabled);
  ~ProgressBar() { Finish(); }

  void Update(uint64_t done);
  void Finish();  // clears the line

  // True when standard error is a terminal and the user did not ask for quiet.
  static bool ShouldShow(bool quiet);

 private:
  void Draw(uint64_t done);

  const Clock& clock_;
  std::string label_;
  std::optional<uint64_t> total_;
  bool enabled_;
  bool drawn_ = false;
  TimePoint started_;
  TimePoint last_draw_;
};

}  // namespace forescale::app
