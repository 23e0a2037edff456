// Option validators shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "core/time.h"

namespace forescale::app {

// A duration such as 30s, 6h or 7d that is greater than zero.
inline CLI::Validator PositiveDuration() {
  return CLI::Validator(
      [](const std::string& text) -> std::string {
        auto d = ParseDuration(text);
        if (!d) return d.error().message();
        return d->count() > 0 ? "" : "must be positive";
      },
      "DURATION");
}

// A duration that is zero or more (0 turns a feature off).
inline CLI::Validator NonNegativeDuration() {
  return CLI::Validator(
      [](const std::string& text) -> std::string {
        auto d = ParseDuration(text);
        if (!d) return d.error().message();
        return d->count() >= 0 ? "" : "must not be negative";
      },
      "DURATION");
}

}  // namespace forescale::app
