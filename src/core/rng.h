// A deterministic, seeded random number generator: same seed, same numbers, on every machine.
//
// xoshiro256** seeded through SplitMix64 (Blackman & Vigna). The standard library's
// distributions are implementation-defined, so the ones forescale needs are written here
// from the engine's raw bits. Not thread-safe: give each thread its own `Rng` (see `Fork`).
//
//   Rng rng(42);
//   double u = rng.Uniform();      // [0, 1)
//   double z = rng.Normal();       // N(0, 1)
#pragma once

#include <array>
#include <cstdint>

namespace forescale {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  uint64_t NextU64();
  double Uniform();                        // [0, 1), 53 random bits
  uint64_t UniformInt(uint64_t n);         // [0, n), unbiased; n > 0
  double Normal();                         // standard normal, Box–Muller
  double Exponential(double rate);         // mean 1 / rate
  uint64_t Poisson(double mean);           // Knuth for small means, normal approximation above 64
  // An independent stream derived from this one, for parallel or per-component use.
  Rng Fork();

 private:
  std::array<uint64_t, 4> s_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
};

}  // namespace forescale
