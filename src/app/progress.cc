#include "app/progress.h"

#include <unistd.h>

#include <cstdio>

namespace forescale::app {

ProgressBar::ProgressBar(const Clock& clock, std::string label, std::optional<uint64_t> total,
                         bool enabled)
    : clock_(clock), label_(std::move(label)), total_(total), enabled_(enabled),
      started_(clock.Now()), last_draw_(started_) {}

bool ProgressBar::ShouldShow(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

void ProgressBar::Update(uint64_t done) {
  if (!enabled_) return;
  const TimePoint now = clock_.Now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw(done);
}

void ProgressBar::Draw(uint64_t done) {
  const double seconds = std::chrono::duration<double>(clock_.Now() - started_).count();
  const double mb = static_cast<double>(done) / 1e6;
  const double rate = seconds > 0 ? mb / seconds : 0;
  if (total_ && *total_ > 0) {
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(*total_));
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %3.0f%%  %.1f MB  %.1f MB/s \x1b[K", label_.c_str(),
                 bar.c_str(), fraction * 100, mb, rate);
  } else {
    std::fprintf(stderr, "\r%s  %.1f MB  %.1f MB/s \x1b[K", label_.c_str(), mb, rate);
  }
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace forescale::app
