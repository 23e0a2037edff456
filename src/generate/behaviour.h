// The user-behaviour model: what one user session does, learned from access logs or written by
// hand, from which request sequences are generated (requests.h).
//
// Two forms, one type:
//
//   learned (a Markov chain)  Sessions are a client host's requests with no gap over the idle
//       timeout (30 minutes, the web-analytics convention). Each request's target is normalised
//       (ingest/endpoint.h); the busiest `top_endpoints` endpoints are states of their own and
//       the rest share one state "{other}". A session is a walk from START (weights `start`) over
//       the states to END (the last weight of each `next` row). Per state: the methods seen,
//       example raw targets (what a generated request asks for), and the response sizes; for all
//       states together: the think time between consecutive requests of a session. Sizes and
//       think times are empirical quantiles at normal scores (internal/stats.h), so heavy tails
//       survive. `hour_share` is the share of session starts in each UTC hour of the day.
//
//   hand-written (workflows)  Weighted scripted sessions: each workflow is a fixed list of
//       steps (method, path, response bytes) separated by a fixed think time:
//
//         workflows:
//           - name: shop
//             weight: 3                 # relative share of sessions (default 1)
//             think_time: 2s            # pause between steps (default 0s)
//             steps:
//               - {method: GET, path: /, bytes: 5000}
//               - {method: POST, path: "/cart/{id}", bytes: 80, think_time: 7s}
//
//       (YAML needs the quotes around a path with braces inside a {...} mapping.)
//
// Invariants (checked by ParseBehaviourYaml and GenerateRequests, not by the struct): exactly one
// form is present; weights are >= 0 with a positive sum in every row (rows are weights, so a
// hand edit need not re-normalise; LearnBehaviour writes probabilities); quantiles do not
// decrease; from every state reachable from START, END is reachable. A BehaviourModel is a plain
// value; thread-compatible.
//
//   Result<BehaviourModel> m = LearnBehaviour({"access.log.1.gz", "access.log"}, {});
//   if (m) WriteBehaviourFile(*m, "behaviour.yaml");
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace forescale::generate {

// State names with a meaning of their own (they cannot be endpoints: normalised paths start
// with '/').
inline constexpr const char* kOtherEndpoint = "{other}";
inline constexpr const char* kEndState = "{end}";

// A (name, weight) list: methods, example targets. Order is kept (it is the file's order).
using WeightList = std::vector<std::pair<std::string, double>>;

// One state of the learned chain.
struct EndpointBehaviour {
  std::string path;       // normalised endpoint ("/images/{id}.gif") or "{other}"
  uint64_t requests = 0;  // requests the log had for it (for the reader)
  WeightList methods;     // "GET" -> weight; empty means GET
  // Raw targets to request, with weights. Empty: `path` itself, each "{id}" replaced by the
  // session's random id (one number per session, so /users/{id} and /users/{id}/cart agree).
  WeightList examples;
  std::vector<double> bytes_quantiles;  // response bytes at normal scores; empty: 0
  // Weights of the next state: endpoints[0 .. n) in model order, then END at index n.
  std::vector<double> next;
};

struct WorkflowStep {
  std::string method = "GET";
  std::string path;                    // "{id}" is replaced as for learned endpoints
  int64_t bytes = 0;                   // expected response size
  std::optional<Duration> think_time;  // pause after this step; default: the workflow's
};

struct Workflow {
  std::string name;
  double weight = 1;       // relative share of sessions
  Duration think_time{0};  // pause between consecutive steps (fixed)
  std::vector<WorkflowStep> steps;
};

// Where a learned model came from (absent for hand-written models).
struct LearnedFrom {
  std::vector<std::string> files;
  uint64_t requests = 0;  // requests used
  uint64_t sessions = 0;
  uint64_t skipped_lines = 0;  // malformed lines and lines that were not requests
  TimePoint start{}, end{};    // first and last request time
  Duration idle_timeout{std::chrono::minutes(30)};
};

struct BehaviourModel {
  // Learned form.
  std::vector<EndpointBehaviour> endpoints;
  std::vector<double> start;                 // weight of each endpoint as a session's first
  std::vector<double> think_time_quantiles;  // seconds between requests, at normal scores
  // Hand-written form.
  std::vector<Workflow> workflows;
  // Both (optional): share of session starts by UTC hour 0..23; all zero when unknown.
  std::array<double, 24> hour_share{};
  std::optional<LearnedFrom> learned_from;

  bool IsWorkflows() const { return !workflows.empty(); }
};

struct BehaviourOptions {
  size_t top_endpoints = 20;                        // endpoints with a state of their own
  Duration idle_timeout{std::chrono::minutes(30)};  // a longer gap starts a new session
  size_t examples_per_endpoint = 8;                 // raw targets kept per endpoint state
  size_t other_examples = 64;                       // targets of {other}: its busiest endpoints'
  size_t quantiles = 33;                            // points of each quantile grid (>= 2)
};

// Targets and methods are stored and emitted in this form: bytes that are unsafe in a request
// line, a JSON string or YAML (controls, space, '"', '\\', non-ASCII) are percent-encoded.
std::string EncodeTarget(std::string_view target);

// Learns the chain from CLF/combined access logs (gzip or not, "-" for stdin). Lines that do
// not parse, and requests without a method ("-", junk), are skipped and counted. Fails naming
// the file when it cannot be read or has no usable line.
Result<BehaviourModel> LearnBehaviour(std::span<const std::string> paths,
                                      const BehaviourOptions& options = {});

// Checks the invariants above; errors name the key ("endpoints[3].next").
Result<void> ValidateBehaviour(const BehaviourModel& model);

// Expected requests per session: for a chain, the expected number of visits before END
// (solving (I - Q^T) v = start); for workflows, the weighted mean of their lengths.
// Fails when the model is invalid.
Result<double> MeanRequestsPerSession(const BehaviourModel& model);

// Expected response bytes of one generated request: the states' (or steps') expected sizes
// weighted by their expected visits per session, as GenerateRequests draws them. A rate of r
// requests/s so carries r * MeanBytesPerRequest bytes/s in expectation. Fails when the model
// is invalid.
Result<double> MeanBytesPerRequest(const BehaviourModel& model);

// YAML, as described in the file comment FormatBehaviourYaml writes. Reading rejects unknown
// keys, wrong types and broken invariants with "file:line: key: problem".
std::string FormatBehaviourYaml(const BehaviourModel& model);
Result<BehaviourModel> ParseBehaviourYaml(const std::string& yaml_text, const std::string& origin);
Result<void> WriteBehaviourFile(const BehaviourModel& model, const std::string& path);
Result<BehaviourModel> ReadBehaviourFile(const std::string& path);

}  // namespace forescale::generate
