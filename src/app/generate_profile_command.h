// `forescale generate profile`: a synthetic load profile from a load model, with events, and
// optionally what users do at that rate and the edge cases laid over it.
//
//   forescale generate profile --model model.yaml [--events events.yaml]
//       [--behaviour behaviour.yaml [--requests requests.jsonl]] --duration 7d [--step 1s]
//       [--seed N] [--mean-rps 300 | --peak-rps 900] --out profile.csv
//       [--edge-cases DIR --input history.csv [--column requests]]
//
// What is written:
//   --out         CSV `timestamp,rps`; with --behaviour `timestamp,rps,bytes_per_s`, where
//                 bytes_per_s is the rate times the model's expected response bytes per request
//                 (generate::MeanBytesPerRequest): the profile is a plan of expected rates.
//   --requests    JSONL request sequence (generate/requests.h) whose aggregate follows the
//                 profile: one realisation of the plan, seeded with --seed too.
//   --edge-cases  the edge cases of generate_edge_cases_command.h, in its layout: the ramp and
//                 the spike laid over this very profile (controls and events included), the
//                 real episodes scaled as --mean-rps / --peak-rps scaled the profile
//                 (requested mean / the history's mean, or peak / peak); with --behaviour they
//                 gain bytes_per_s too.
// Every input is read and checked before any file is written.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "app/generate_edge_cases_command.h"
#include "generate/edge_cases.h"
#include "generate/profile.h"

namespace forescale::app {

struct GenerateProfileCommandOptions {
  std::string model_path;
  std::string events_path;     // YAML of events (core/events.h); empty: none
  std::string behaviour_path;  // behaviour model (generate/behaviour.h); empty: none
  std::string requests_path;   // JSONL to write; needs behaviour_path; empty: none
  std::string out = "-";       // CSV; "-" is stdout
  generate::ProfileOptions profile;
  std::string edge_cases_dir;  // empty: no edge cases
  EdgeCaseHistoryFlags history;             // with edge_cases_dir
  generate::EdgeCaseOptions cases;          // episodes and return period; the rest is set here
  bool quiet = false;
};
// Reads everything, generates, writes; a summary (points, mean, peak, time taken, requests,
// edge cases) goes to stderr.
Result<void> GenerateProfileCommand(const GenerateProfileCommandOptions& options);

// Adds `profile` to the `generate` subcommand. The returned callable, called after parsing,
// runs it when it was parsed and returns nullopt otherwise; it owns the option storage.
std::function<std::optional<Result<void>>()> AddGenerateProfileCommand(CLI::App& generate);

}  // namespace forescale::app
