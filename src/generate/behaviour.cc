#include "generate/behaviour.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "core/output_file.h"
#include "core/yaml_config.h"
#include "generate/internal/stats.h"
#include "generate/internal/yaml_file.h"
#include "ingest/access_log.h"
#include "ingest/endpoint.h"
#include "ingest/input_stream.h"
#include "ingest/line_scanner.h"

namespace forescale::generate {
namespace {

constexpr const char* kFormat = "forescale-behaviour/1";
// Distinct raw targets tracked per endpoint while reading; later ones are not counted, which
// keeps memory flat on logs with millions of distinct URLs (the first ones seen of a busy
// endpoint are as good examples as any).
constexpr size_t kExampleCandidates = 32;
// Longer targets are not kept as examples.
constexpr size_t kMaxExampleBytes = 512;

// Heterogeneous lookup, so that interning a string_view allocates only for new names.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Interner {
 public:
  uint32_t Id(std::string_view name) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(std::string(name), id);
    return id;
  }
  const std::string& Name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
};

struct Record {
  int64_t ms;
  uint32_t host;
  uint32_t endpoint;
  uint32_t method;
  double bytes;
};

struct Candidate {
  std::string target;
  uint64_t count;
};

int64_t FloorMod(int64_t a, int64_t b) { return ((a % b) + b) % b; }

// Shortest text for the file: integers as integers, other values to 6 significant digits
// (sizes over 1e5 bytes are rounded to whole bytes).
std::string Number(double v) {
  char buf[64];
  if (std::abs(v) >= 1e5 && std::abs(v) < 1e15) v = std::round(v);
  if (v == std::floor(v) && std::abs(v) < 1e15) {
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    return ec == std::errc() ? std::string(buf, p) : "0";
  }
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  return ec == std::errc() ? std::string(buf, p) : "0";
}

bool ValidWeights(std::span<const double> w) {
  double sum = 0;
  for (double x : w) {
    if (!std::isfinite(x) || x < 0) return false;
    sum += x;
  }
  return sum > 0;
}

bool ValidWeights(const WeightList& w) {
  std::vector<double> v;
  for (const auto& [name, weight] : w) {
    if (name.empty()) return false;
    v.push_back(weight);
  }
  return ValidWeights(v);
}

constexpr double kMaxBytes = 9e15;  // a request's bytes, as a whole number the JSONL can hold
constexpr double kNoMax = std::numeric_limits<double>::infinity();

bool ValidQuantiles(std::span<const double> q) {
  for (size_t i = 0; i < q.size(); ++i) {
    if (!std::isfinite(q[i]) || q[i] < 0 || (i > 0 && q[i] < q[i - 1])) return false;
  }
  return true;
}

std::unexpected<Error> Invalid(const std::string& key, const std::string& problem) {
  return Fail(ErrorCode::kInvalidArgument, key + ": " + problem);
}

// ---------------------------------------------------------------------------------------------
// Learning.

struct LearnState {
  Interner hosts, endpoints, methods;
  std::vector<Record> records;
  std::vector<uint64_t> endpoint_counts;
  std::vector<std::vector<Candidate>> candidates;  // per endpoint
  uint64_t skipped = 0;
};

Result<void> ReadLog(const std::string& path, LearnState& st) {
  const std::string shown = path == "-" ? "<stdin>" : path;
  auto in = ingest::InputStream::Open(path);
  if (!in) return std::unexpected(in.error());
  ingest::LineScanner scanner(**in);
  ingest::AccessLogParser parser;
  ingest::AccessRecord rec;
  uint64_t used = 0, lines = 0;
  std::string_view line;
  for (;;) {
    auto status = scanner.Next(line);
    if (!status) return std::unexpected(status.error().WithContext(shown));
    if (*status == ingest::LineScanner::Status::kEnd) break;
    ++lines;
    if (*status == ingest::LineScanner::Status::kTooLong) {
      ++st.skipped;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      --lines;
      continue;
    }
    if (parser.Parse(line, rec).error != nullptr || rec.method.empty() || rec.target.empty()) {
      ++st.skipped;
      continue;
    }
    const std::string endpoint = ingest::NormaliseEndpoint(rec.target);
    if (endpoint.empty() || endpoint.front() != '/') {  // "{invalid}" and the like
      ++st.skipped;
      continue;
    }
    const uint32_t e = st.endpoints.Id(endpoint);
    if (e == st.endpoint_counts.size()) {
      st.endpoint_counts.push_back(0);
      st.candidates.emplace_back();
    }
    ++st.endpoint_counts[e];
    if (rec.target.size() <= kMaxExampleBytes) {
      auto& cands = st.candidates[e];
      auto it = std::find_if(cands.begin(), cands.end(),
                             [&](const Candidate& c) { return c.target == rec.target; });
      if (it != cands.end()) {
        ++it->count;
      } else if (cands.size() < kExampleCandidates) {
        cands.push_back({std::string(rec.target), 1});
      }
    }
    st.records.push_back({.ms = rec.time.time_since_epoch().count(),
                          .host = st.hosts.Id(rec.host),
                          .endpoint = e,
                          .method = st.methods.Id(EncodeTarget(rec.method)),
                          .bytes = rec.bytes < 0 ? 0.0 : static_cast<double>(rec.bytes)});
    ++used;
  }
  if (used == 0) {
    return Fail(ErrorCode::kInvalidArgument, shown + ": no access-log request lines (" +
                                                 std::to_string(lines) + " lines, none usable)");
  }
  return {};
}

WeightList TopCandidates(std::vector<Candidate> cands, size_t keep) {
  std::stable_sort(cands.begin(), cands.end(),
                   [](const Candidate& a, const Candidate& b) { return a.count > b.count; });
  WeightList out;
  for (size_t i = 0; i < cands.size() && i < keep; ++i) {
    out.emplace_back(EncodeTarget(cands[i].target), static_cast<double>(cands[i].count));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// YAML reading: every error names the file, the line and the dotted key.

class Reader {
 public:
  explicit Reader(std::string origin) : config_(std::move(origin)) {}

  std::unexpected<Error> Bad(const YAML::Node& node, const std::string& key,
                             const std::string& problem) const {
    return config_.Bad(node, key.empty() ? "(top level)" : key, problem);
  }

  Result<void> Map(const YAML::Node& node, const std::string& key,
                   std::initializer_list<const char*> known) const {
    if (!node.IsMap()) return Bad(node, key, "expected a mapping");
    return config_.Keys(node, key, known);
  }

  Result<double> Number(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return Bad(node, key, "expected a number");
    const std::string& s = node.Scalar();
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
      return Bad(node, key, "expected a number, got '" + s + "'");
    }
    return v;
  }

  Result<double> NonNegative(const YAML::Node& node, const std::string& key) const {
    auto v = Number(node, key);
    if (v && *v < 0) return Bad(node, key, "must be >= 0");
    return v;
  }

  Result<uint64_t> Count(const YAML::Node& node, const std::string& key) const {
    auto v = Number(node, key);
    if (!v) return std::unexpected(v.error());
    if (*v < 0 || *v != std::floor(*v) || *v > 9e15) {
      return Bad(node, key, "expected a whole number >= 0");
    }
    return static_cast<uint64_t>(*v);
  }

  Result<std::string> Text(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar() || node.Scalar().empty())
      return Bad(node, key, "expected a non-empty string");
    return node.Scalar();
  }

  Result<Duration> DurationOf(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return Bad(node, key, "expected a duration such as 2s");
    auto d = ParseDuration(node.Scalar());
    if (!d) return Bad(node, key, d.error().message());
    if (d->count() < 0) return Bad(node, key, "must be >= 0");
    return *d;
  }

  Result<TimePoint> TimeOf(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return Bad(node, key, "expected a timestamp");
    auto t = ParseTimestamp(node.Scalar());
    if (!t) return Bad(node, key, t.error().message());
    return *t;
  }

  // Quantiles: numbers >= 0 that do not decrease.
  // Non-decreasing numbers >= 0, at most `max` (bytes: kMaxBytes, as a workflow step's `bytes`;
  // beyond, a request's bytes left the 64-bit integers written to the JSONL).
  Result<std::vector<double>> Quantiles(const YAML::Node& node, const std::string& key,
                                        double max = kNoMax) const {
    if (!node.IsSequence()) return Bad(node, key, "expected a list of numbers");
    std::vector<double> out;
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string k = key + "[" + std::to_string(i) + "]";
      auto v = NonNegative(node[i], k);
      if (!v) return std::unexpected(v.error());
      if (*v > max) return Bad(node[i], k, "at most 9e15 bytes");
      if (!out.empty() && *v < out.back()) return Bad(node[i], k, "quantiles must not decrease");
      out.push_back(*v);
    }
    return out;
  }

  // {name: weight, ...} with weights >= 0 and a positive sum.
  Result<WeightList> Weights(const YAML::Node& node, const std::string& key) const {
    if (!node.IsMap()) return Bad(node, key, "expected a mapping of name: weight");
    WeightList out;
    double sum = 0;
    for (const auto& item : node) {
      const std::string name = item.first.Scalar();
      if (name.empty()) return Bad(item.first, key, "empty name");
      auto w = NonNegative(item.second, Join(key, name));
      if (!w) return std::unexpected(w.error());
      sum += *w;
      out.emplace_back(name, *w);
    }
    // Finite too: two weights of 1e308 summed to inf, and every session took the second.
    if (!(sum > 0) || !std::isfinite(sum)) {
      return Bad(node, key, "weights must have a positive, finite sum");
    }
    return out;
  }

  static std::string Join(const std::string& key, const std::string& name) {
    return YamlConfig::Join(key, name);
  }
  const std::string& origin() const { return config_.origin(); }

 private:
  YamlConfig config_;
};

#define FS_TRY(var, expr)                                          \
  auto var##_result = (expr);                                      \
  if (!var##_result) return std::unexpected(var##_result.error()); \
  auto var = *var##_result

#define FS_CHECK(expr)                   \
  if (auto ok_ = (expr); !ok_) {         \
    return std::unexpected(ok_.error()); \
  }

Result<LearnedFrom> ParseLearnedFrom(const YAML::Node& node, const Reader& r) {
  const std::string key = "learned_from";
  FS_CHECK(
      r.Map(node, key,
            {"files", "requests", "sessions", "skipped_lines", "start", "end", "idle_timeout"}));
  LearnedFrom from;
  if (const YAML::Node files = node["files"]) {
    if (!files.IsSequence()) return r.Bad(files, key + ".files", "expected a list of file names");
    for (size_t i = 0; i < files.size(); ++i) {
      FS_TRY(f, r.Text(files[i], key + ".files[" + std::to_string(i) + "]"));
      from.files.push_back(f);
    }
  }
  if (const YAML::Node n = node["requests"]) {
    FS_TRY(v, r.Count(n, key + ".requests"));
    from.requests = v;
  }
  if (const YAML::Node n = node["sessions"]) {
    FS_TRY(v, r.Count(n, key + ".sessions"));
    from.sessions = v;
  }
  if (const YAML::Node n = node["skipped_lines"]) {
    FS_TRY(v, r.Count(n, key + ".skipped_lines"));
    from.skipped_lines = v;
  }
  if (const YAML::Node n = node["start"]) {
    FS_TRY(v, r.TimeOf(n, key + ".start"));
    from.start = v;
  }
  if (const YAML::Node n = node["end"]) {
    FS_TRY(v, r.TimeOf(n, key + ".end"));
    from.end = v;
  }
  if (const YAML::Node n = node["idle_timeout"]) {
    FS_TRY(v, r.DurationOf(n, key + ".idle_timeout"));
    from.idle_timeout = v;
  }
  return from;
}

Result<void> ParseChain(const YAML::Node& root, const Reader& r, BehaviourModel& m) {
  const YAML::Node endpoints = root["endpoints"];
  if (!endpoints.IsSequence() || endpoints.size() == 0) {
    return r.Bad(endpoints, "endpoints", "expected a non-empty list");
  }
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const YAML::Node e = endpoints[i];
    const std::string key = "endpoints[" + std::to_string(i) + "]";
    FS_CHECK(r.Map(e, key, {"path", "requests", "methods", "examples", "bytes_quantiles", "next"}));
    if (!e["path"]) return r.Bad(e, key + ".path", "missing");
    FS_TRY(path, r.Text(e["path"], key + ".path"));
    if (path != kOtherEndpoint && path.front() != '/') {
      return r.Bad(e["path"], key + ".path", "must start with '/' (or be {other})");
    }
    if (!index.emplace(path, i).second) {
      return r.Bad(e["path"], key + ".path", "'" + path + "' appears twice");
    }
    EndpointBehaviour eb{.path = EncodeTarget(path)};
    if (path == kOtherEndpoint) eb.path = path;
    if (const YAML::Node n = e["requests"]) {
      FS_TRY(v, r.Count(n, key + ".requests"));
      eb.requests = v;
    }
    if (const YAML::Node n = e["methods"]) {
      FS_TRY(v, r.Weights(n, key + ".methods"));
      for (auto& [name, w] : v) name = EncodeTarget(name);
      eb.methods = v;
    }
    if (const YAML::Node n = e["examples"]) {
      FS_TRY(v, r.Weights(n, key + ".examples"));
      for (auto& [name, w] : v) name = EncodeTarget(name);
      eb.examples = v;
    }
    if (path == kOtherEndpoint && eb.examples.empty()) {
      return r.Bad(e, key + ".examples", "{other} needs examples (the targets to request)");
    }
    if (const YAML::Node n = e["bytes_quantiles"]) {
      FS_TRY(v, r.Quantiles(n, key + ".bytes_quantiles", kMaxBytes));
      eb.bytes_quantiles = v;
    }
    m.endpoints.push_back(std::move(eb));
  }
  const size_t n = m.endpoints.size();
  // A row names its targets by path; those not named have weight 0.
  auto row = [&](const YAML::Node& node, const std::string& key,
                 bool allow_end) -> Result<std::vector<double>> {
    FS_TRY(weights, r.Weights(node, key));
    std::vector<double> out(allow_end ? n + 1 : n, 0.0);
    for (const auto& item : node) {
      const std::string name = item.first.Scalar();
      size_t target = n;
      if (name == kEndState && allow_end) {
        target = n;
      } else if (auto it = index.find(name); it != index.end()) {
        target = it->second;
      } else {
        return r.Bad(item.first, Reader::Join(key, name),
                     allow_end ? "not an endpoint path of this model (nor {end})"
                               : "not an endpoint path of this model");
      }
      out[target] += *r.NonNegative(item.second, key);
    }
    return out;
  };
  for (size_t i = 0; i < n; ++i) {
    const YAML::Node e = endpoints[i];
    const std::string key = "endpoints[" + std::to_string(i) + "].next";
    if (!e["next"]) return r.Bad(e, key, "missing (use {\"{end}\": 1} for a last page)");
    FS_TRY(next, row(e["next"], key, true));
    m.endpoints[i].next = next;
  }
  if (!root["start"]) return r.Bad(root, "start", "missing");
  FS_TRY(start, row(root["start"], "start", false));
  m.start = start;
  if (!root["think_time_quantiles"]) return r.Bad(root, "think_time_quantiles", "missing");
  FS_TRY(think, r.Quantiles(root["think_time_quantiles"], "think_time_quantiles"));
  m.think_time_quantiles = think;
  return {};
}

Result<void> ParseWorkflows(const YAML::Node& node, const Reader& r, BehaviourModel& m) {
  if (!node.IsSequence() || node.size() == 0) {
    return r.Bad(node, "workflows", "expected a non-empty list");
  }
  double total = 0;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node w = node[i];
    const std::string key = "workflows[" + std::to_string(i) + "]";
    FS_CHECK(r.Map(w, key, {"name", "weight", "think_time", "steps"}));
    Workflow wf;
    wf.name = "workflow" + std::to_string(i + 1);
    if (const YAML::Node n = w["name"]) {
      FS_TRY(v, r.Text(n, key + ".name"));
      wf.name = v;
    }
    if (const YAML::Node n = w["weight"]) {
      FS_TRY(v, r.NonNegative(n, key + ".weight"));
      wf.weight = v;
    }
    total += wf.weight;
    if (const YAML::Node n = w["think_time"]) {
      FS_TRY(v, r.DurationOf(n, key + ".think_time"));
      wf.think_time = v;
    }
    const YAML::Node steps = w["steps"];
    if (!steps) return r.Bad(w, key + ".steps", "missing");
    if (!steps.IsSequence() || steps.size() == 0) {
      return r.Bad(steps, key + ".steps", "expected a non-empty list");
    }
    for (size_t j = 0; j < steps.size(); ++j) {
      const YAML::Node s = steps[j];
      const std::string skey = key + ".steps[" + std::to_string(j) + "]";
      FS_CHECK(r.Map(s, skey, {"method", "path", "bytes", "think_time"}));
      WorkflowStep step;
      // Checked as the learned chains' are (found by probing: a path 'abc' and a method
      // 'G"ET X' were accepted and written into the request sequence).
      if (const YAML::Node n = s["method"]) {
        FS_TRY(v, r.Text(n, skey + ".method"));
        if (v.empty() ||
            !std::all_of(v.begin(), v.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
          return r.Bad(n, skey + ".method", "'" + v + "' is not an HTTP method (GET, POST, ...)");
        }
        step.method = v;
      }
      if (!s["path"]) return r.Bad(s, skey + ".path", "missing");
      FS_TRY(path, r.Text(s["path"], skey + ".path"));
      if (path.front() != '/') return r.Bad(s["path"], skey + ".path", "must start with '/'");
      step.path = EncodeTarget(path);
      if (const YAML::Node n = s["bytes"]) {
        FS_TRY(v, r.Count(n, skey + ".bytes"));
        step.bytes = static_cast<int64_t>(v);
      }
      if (const YAML::Node n = s["think_time"]) {
        FS_TRY(v, r.DurationOf(n, skey + ".think_time"));
        step.think_time = v;
      }
      wf.steps.push_back(std::move(step));
    }
    m.workflows.push_back(std::move(wf));
  }
  if (!(total > 0) || !std::isfinite(total)) {
    return r.Bad(node, "workflows", "weights must have a positive, finite sum");
  }
  return {};
}

Result<BehaviourModel> ParseRoot(const YAML::Node& root, const Reader& r) {
  FS_CHECK(r.Map(root, "",
                 {"format", "learned_from", "think_time_quantiles", "hour_share", "start",
                  "endpoints", "workflows"}));
  if (const YAML::Node f = root["format"]) {
    if (!f.IsScalar() || f.Scalar() != kFormat) {
      return r.Bad(f, "format", std::string("expected '") + kFormat + "'");
    }
  }
  BehaviourModel m;
  const bool chain = static_cast<bool>(root["endpoints"]);
  const bool workflows = static_cast<bool>(root["workflows"]);
  if (chain == workflows) {
    return r.Bad(root, chain ? "workflows" : "(top level)",
                 chain
                     ? "give either endpoints (a learned chain) or workflows, not both"
                     : "give 'workflows' (hand-written sessions) or 'endpoints' (a learned chain)");
  }
  if (workflows) {
    for (const char* k : {"start", "think_time_quantiles"}) {
      if (root[k]) return r.Bad(root[k], k, "belongs to a learned chain, not to workflows");
    }
    FS_CHECK(ParseWorkflows(root["workflows"], r, m));
  } else {
    FS_CHECK(ParseChain(root, r, m));
  }
  if (const YAML::Node h = root["hour_share"]) {
    if (!h.IsSequence() || h.size() != 24) return r.Bad(h, "hour_share", "expected 24 numbers");
    for (size_t i = 0; i < 24; ++i) {
      FS_TRY(v, r.NonNegative(h[i], "hour_share[" + std::to_string(i) + "]"));
      m.hour_share[i] = v;
    }
  }
  if (const YAML::Node l = root["learned_from"]) {
    FS_TRY(from, ParseLearnedFrom(l, r));
    m.learned_from = from;
  }
  // What the reader does not see: the chain never ending.
  if (auto ok = MeanRequestsPerSession(m); !ok) {
    return std::unexpected(ok.error().WithContext(r.origin()));
  }
  return m;
}

#undef FS_TRY
#undef FS_CHECK

void EmitWeights(YAML::Emitter& out, const WeightList& weights) {
  out << YAML::Flow << YAML::BeginMap;
  for (const auto& [name, w] : weights) out << YAML::Key << name << YAML::Value << Number(w);
  out << YAML::EndMap;
}

void EmitList(YAML::Emitter& out, std::span<const double> values) {
  out << YAML::Flow << YAML::BeginSeq;
  for (double v : values) out << Number(v);
  out << YAML::EndSeq;
}

}  // namespace

std::string EncodeTarget(std::string_view target) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(target.size());
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

Result<BehaviourModel> LearnBehaviour(std::span<const std::string> paths,
                                      const BehaviourOptions& options) {
  if (paths.empty()) return Fail(ErrorCode::kInvalidArgument, "no access log given");
  if (options.quantiles < 2) return Fail(ErrorCode::kInvalidArgument, "quantiles must be >= 2");
  if (options.idle_timeout.count() <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "idle timeout must be positive");
  }
  LearnState st;
  for (const std::string& path : paths) {
    if (auto ok = ReadLog(path, st); !ok) return std::unexpected(ok.error());
  }

  // States: the busiest endpoints (ties by name, so the order is the same on every machine),
  // then {other} for the rest.
  // Only the states and {other}'s example endpoints (with room for ones without a short
  // example) are ranked: sorting every endpoint by count and name took most of 46 s on a log of
  // 6 M distinct URLs (found by probing).
  const size_t distinct = st.endpoints.size();
  const size_t top = std::min(std::max<size_t>(options.top_endpoints, 1), distinct);
  const size_t ranked = std::min(distinct, top + 8 * options.other_examples + 64);
  std::vector<uint32_t> rank(distinct);
  std::iota(rank.begin(), rank.end(), 0u);
  std::partial_sort(rank.begin(), rank.begin() + static_cast<ptrdiff_t>(ranked), rank.end(),
                    [&](uint32_t a, uint32_t b) {
                      if (st.endpoint_counts[a] != st.endpoint_counts[b]) {
                        return st.endpoint_counts[a] > st.endpoint_counts[b];
                      }
                      return st.endpoints.Name(a) < st.endpoints.Name(b);
                    });
  const bool has_other = distinct > top;
  const size_t n = top + (has_other ? 1 : 0);
  std::vector<uint32_t> state_of(distinct, static_cast<uint32_t>(top));
  for (size_t i = 0; i < top; ++i) state_of[rank[i]] = static_cast<uint32_t>(i);

  // Sessions: one client's requests in time order, split at gaps over the idle timeout.
  // A stable sort keeps the log's order for requests of one client in the same second.
  std::stable_sort(st.records.begin(), st.records.end(), [](const Record& a, const Record& b) {
    return a.host != b.host ? a.host < b.host : a.ms < b.ms;
  });
  std::vector<double> start_counts(n, 0.0);
  std::vector<std::vector<double>> transitions(n, std::vector<double>(n + 1, 0.0));
  std::vector<double> gaps;
  std::vector<std::vector<double>> bytes(n);
  std::vector<std::map<uint32_t, uint64_t>> methods(n);
  std::array<double, 24> hours{};
  uint64_t sessions = 0;
  const int64_t idle_ms = options.idle_timeout.count();
  int64_t first_ms = st.records.front().ms, last_ms = first_ms;
  for (size_t i = 0; i < st.records.size(); ++i) {
    const Record& rec = st.records[i];
    const uint32_t s = state_of[rec.endpoint];
    first_ms = std::min(first_ms, rec.ms);
    last_ms = std::max(last_ms, rec.ms);
    const bool continues =
        i > 0 && st.records[i - 1].host == rec.host && rec.ms - st.records[i - 1].ms <= idle_ms;
    if (continues) {
      transitions[state_of[st.records[i - 1].endpoint]][s] += 1;
      gaps.push_back(static_cast<double>(rec.ms - st.records[i - 1].ms) / 1000.0);
    } else {
      if (i > 0) transitions[state_of[st.records[i - 1].endpoint]][n] += 1;
      start_counts[s] += 1;
      ++sessions;
      hours[static_cast<size_t>(FloorMod(rec.ms, 86'400'000) / 3'600'000)] += 1;
    }
    bytes[s].push_back(rec.bytes);
    ++methods[s][rec.method];
  }
  transitions[state_of[st.records.back().endpoint]][n] += 1;

  BehaviourModel m;
  m.endpoints.resize(n);
  for (size_t i = 0; i < n; ++i) {
    EndpointBehaviour& e = m.endpoints[i];
    const bool other = has_other && i == top;
    e.path = other ? kOtherEndpoint : st.endpoints.Name(rank[i]);
    e.requests = bytes[i].size();
    std::vector<std::pair<uint32_t, uint64_t>> by_count(methods[i].begin(), methods[i].end());
    std::stable_sort(by_count.begin(), by_count.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [method, count] : by_count) {
      e.methods.emplace_back(st.methods.Name(method),
                             static_cast<double>(count) / static_cast<double>(e.requests));
    }
    if (!other) {
      e.examples = TopCandidates(st.candidates[rank[i]], options.examples_per_endpoint);
    } else {
      // The busiest endpoints folded into {other}, each by its most common target.
      for (size_t k = top; k < ranked && e.examples.size() < options.other_examples; ++k) {
        WeightList best = TopCandidates(st.candidates[rank[k]], 1);
        if (best.empty()) continue;
        e.examples.emplace_back(best.front().first,
                                static_cast<double>(st.endpoint_counts[rank[k]]));
      }
      if (e.examples.empty()) e.examples.emplace_back("/", 1.0);
    }
    e.bytes_quantiles = internal::ScoreQuantiles(bytes[i], options.quantiles);
    double row = 0;
    for (double c : transitions[i]) row += c;
    e.next.resize(n + 1);
    for (size_t j = 0; j <= n; ++j) e.next[j] = transitions[i][j] / row;
  }
  m.start.resize(n);
  for (size_t i = 0; i < n; ++i) m.start[i] = start_counts[i] / static_cast<double>(sessions);
  m.think_time_quantiles = internal::ScoreQuantiles(gaps, options.quantiles);
  if (m.think_time_quantiles.empty()) m.think_time_quantiles = {0.0};
  for (size_t h = 0; h < 24; ++h) m.hour_share[h] = hours[h] / static_cast<double>(sessions);
  m.learned_from = LearnedFrom{.files = {paths.begin(), paths.end()},
                               .requests = st.records.size(),
                               .sessions = sessions,
                               .skipped_lines = st.skipped,
                               .start = TimePoint{Duration{first_ms}},
                               .end = TimePoint{Duration{last_ms}},
                               .idle_timeout = options.idle_timeout};
  return m;
}

Result<void> ValidateBehaviour(const BehaviourModel& m) {
  const bool chain = !m.endpoints.empty();
  if (chain == m.IsWorkflows()) {
    return Invalid("(model)", chain ? "has both endpoints and workflows"
                                    : "has neither endpoints nor workflows");
  }
  for (size_t h = 0; h < 24; ++h) {
    if (!std::isfinite(m.hour_share[h]) || m.hour_share[h] < 0) {
      return Invalid("hour_share[" + std::to_string(h) + "]", "must be a number >= 0");
    }
  }
  if (m.IsWorkflows()) {
    std::vector<double> weights;
    for (size_t i = 0; i < m.workflows.size(); ++i) {
      const Workflow& w = m.workflows[i];
      const std::string key = "workflows[" + std::to_string(i) + "]";
      weights.push_back(w.weight);
      if (!std::isfinite(w.weight) || w.weight < 0) return Invalid(key + ".weight", "must be >= 0");
      if (w.think_time.count() < 0) return Invalid(key + ".think_time", "must be >= 0");
      if (w.steps.empty()) return Invalid(key + ".steps", "expected at least one step");
      for (size_t j = 0; j < w.steps.size(); ++j) {
        const WorkflowStep& s = w.steps[j];
        const std::string skey = key + ".steps[" + std::to_string(j) + "]";
        if (s.path.empty()) return Invalid(skey + ".path", "must not be empty");
        if (s.method.empty()) return Invalid(skey + ".method", "must not be empty");
        if (s.bytes < 0) return Invalid(skey + ".bytes", "must be >= 0");
        if (s.think_time && s.think_time->count() < 0) {
          return Invalid(skey + ".think_time", "must be >= 0");
        }
      }
    }
    if (!ValidWeights(weights)) return Invalid("workflows", "weights must have a positive sum");
    return {};
  }
  const size_t n = m.endpoints.size();
  if (m.start.size() != n) return Invalid("start", "needs one weight per endpoint");
  if (!ValidWeights(m.start)) return Invalid("start", "weights must be >= 0 with a positive sum");
  if (!ValidQuantiles(m.think_time_quantiles)) {
    return Invalid("think_time_quantiles", "must be numbers >= 0 that do not decrease");
  }
  for (size_t i = 0; i < n; ++i) {
    const EndpointBehaviour& e = m.endpoints[i];
    const std::string key = "endpoints[" + std::to_string(i) + "]";
    if (e.path.empty()) return Invalid(key + ".path", "must not be empty");
    if (e.next.size() != n + 1)
      return Invalid(key + ".next", "needs one weight per endpoint and {end}");
    if (!ValidWeights(e.next))
      return Invalid(key + ".next", "weights must be >= 0 with a positive sum");
    if (!e.methods.empty() && !ValidWeights(e.methods)) {
      return Invalid(key + ".methods", "weights must be >= 0 with a positive sum");
    }
    if (!e.examples.empty() && !ValidWeights(e.examples)) {
      return Invalid(key + ".examples", "weights must be >= 0 with a positive sum");
    }
    if (e.path == kOtherEndpoint && e.examples.empty()) {
      return Invalid(key + ".examples", "{other} needs examples (the targets to request)");
    }
    if (!ValidQuantiles(e.bytes_quantiles)) {
      return Invalid(key + ".bytes_quantiles", "must be numbers >= 0 that do not decrease");
    }
  }
  return {};
}

namespace {

// Expected visits of one session to each endpoint state of a valid chain (0 for the states a
// session cannot reach).
Result<std::vector<double>> ExpectedVisits(const BehaviourModel& m) {
  const size_t n = m.endpoints.size();
  // States a session can reach, and those from which END can be reached.
  std::vector<char> reachable(n, 0), ends(n, 0);
  std::vector<size_t> stack;
  for (size_t i = 0; i < n; ++i) {
    if (m.start[i] > 0) {
      reachable[i] = 1;
      stack.push_back(i);
    }
  }
  while (!stack.empty()) {
    const size_t i = stack.back();
    stack.pop_back();
    for (size_t j = 0; j < n; ++j) {
      if (m.endpoints[i].next[j] > 0 && !reachable[j]) {
        reachable[j] = 1;
        stack.push_back(j);
      }
    }
  }
  bool changed = true;
  for (size_t i = 0; i < n; ++i) ends[i] = m.endpoints[i].next[n] > 0;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < n; ++i) {
      if (ends[i]) continue;
      for (size_t j = 0; j < n; ++j) {
        if (m.endpoints[i].next[j] > 0 && ends[j]) {
          ends[i] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  std::vector<size_t> live;
  for (size_t i = 0; i < n; ++i) {
    if (!reachable[i]) continue;
    if (!ends[i]) {
      return Invalid("endpoints[" + std::to_string(i) + "]",
                     "a session that reaches '" + m.endpoints[i].path + "' never reaches {end}");
    }
    live.push_back(i);
  }
  // Expected visits v solve v = s + Q^T v over the live states: Gaussian elimination with
  // partial pivoting on A = I - Q^T.
  const size_t k = live.size();
  std::vector<double> a(k * (k + 1), 0.0);
  double start_sum = 0;
  for (double s : m.start) start_sum += s;
  for (size_t r = 0; r < k; ++r) {
    a[r * (k + 1) + r] = 1;
    a[r * (k + 1) + k] = m.start[live[r]] / start_sum;
  }
  for (size_t c = 0; c < k; ++c) {
    const auto& next = m.endpoints[live[c]].next;
    double row = 0;
    for (double w : next) row += w;
    for (size_t r = 0; r < k; ++r) a[r * (k + 1) + c] -= next[live[r]] / row;
  }
  for (size_t col = 0; col < k; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < k; ++r) {
      if (std::abs(a[r * (k + 1) + col]) > std::abs(a[pivot * (k + 1) + col])) pivot = r;
    }
    if (std::abs(a[pivot * (k + 1) + col]) < 1e-300) {
      return Invalid("endpoints", "the chain's sessions never end");
    }
    if (pivot != col) {
      for (size_t c = 0; c <= k; ++c) std::swap(a[pivot * (k + 1) + c], a[col * (k + 1) + c]);
    }
    for (size_t r = 0; r < k; ++r) {
      if (r == col) continue;
      const double f = a[r * (k + 1) + col] / a[col * (k + 1) + col];
      if (f == 0) continue;
      for (size_t c = col; c <= k; ++c) a[r * (k + 1) + c] -= f * a[col * (k + 1) + c];
    }
  }
  std::vector<double> visits(n, 0.0);
  double total = 0;
  for (size_t r = 0; r < k; ++r) {
    visits[live[r]] = a[r * (k + 1) + k] / a[r * (k + 1) + r];
    total += visits[live[r]];
  }
  if (!std::isfinite(total) || total < 1 - 1e-9) {
    return Invalid("endpoints", "the chain's sessions never end");
  }
  return visits;
}

}  // namespace

Result<double> MeanRequestsPerSession(const BehaviourModel& m) {
  if (auto ok = ValidateBehaviour(m); !ok) return std::unexpected(ok.error());
  if (m.IsWorkflows()) {
    double total = 0, weighted = 0;
    for (const Workflow& w : m.workflows) {
      total += w.weight;
      weighted += w.weight * static_cast<double>(w.steps.size());
    }
    return weighted / total;
  }
  auto visits = ExpectedVisits(m);
  if (!visits) return std::unexpected(visits.error());
  double total = 0;
  for (double v : *visits) total += v;
  return total;
}

Result<double> MeanBytesPerRequest(const BehaviourModel& m) {
  if (auto ok = ValidateBehaviour(m); !ok) return std::unexpected(ok.error());
  double requests = 0, bytes = 0;
  if (m.IsWorkflows()) {
    for (const Workflow& w : m.workflows) {
      requests += w.weight * static_cast<double>(w.steps.size());
      for (const WorkflowStep& step : w.steps) bytes += w.weight * static_cast<double>(step.bytes);
    }
    return requests > 0 ? bytes / requests : 0.0;
  }
  auto visits = ExpectedVisits(m);
  if (!visits) return std::unexpected(visits.error());
  for (size_t i = 0; i < visits->size(); ++i) {
    const auto& q = m.endpoints[i].bytes_quantiles;
    // What GenerateRequests draws: a quantile at a normal score, rounded, at least 0.
    const double mean =
        q.size() == 1 ? static_cast<double>(std::llround(q[0]))
                      : internal::ScoreExpectation(q, [](double v) {
                          return static_cast<double>(std::max<long long>(0, std::llround(v)));
                        });
    requests += (*visits)[i];
    bytes += (*visits)[i] * mean;
  }
  return requests > 0 ? bytes / requests : 0.0;
}

std::string FormatBehaviourYaml(const BehaviourModel& m) {
  YAML::Emitter out;
  std::string header =
      "forescale behaviour model: what one user session does.\n"
      "Read by `forescale generate requests`; edit freely (unknown keys are rejected).\n";
  if (m.IsWorkflows()) {
    header += "Workflows: weighted scripted sessions, steps separated by think_time.";
  } else {
    header +=
        "A Markov chain over endpoints: a session starts at an endpoint drawn from `start`,\n"
        "moves by each endpoint's `next` weights and ends at {end}. Weights need not sum to 1.\n"
        "Quantile lists are values at normal scores -4..4 evenly spaced (the middle is the "
        "median).";
    if (auto mean = MeanRequestsPerSession(m)) {
      header += "\nMean requests per session: " + Number(*mean) + ".";
    }
  }
  out << YAML::Comment(header);
  out << YAML::BeginMap;
  out << YAML::Key << "format" << YAML::Value << kFormat;
  if (m.learned_from) {
    const LearnedFrom& f = *m.learned_from;
    out << YAML::Key << "learned_from" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "files" << YAML::Value << YAML::Flow << f.files;
    out << YAML::Key << "requests" << YAML::Value << f.requests;
    out << YAML::Key << "sessions" << YAML::Value << f.sessions;
    out << YAML::Key << "skipped_lines" << YAML::Value << f.skipped_lines;
    out << YAML::Key << "start" << YAML::Value << FormatRfc3339(f.start);
    out << YAML::Key << "end" << YAML::Value << FormatRfc3339(f.end);
    out << YAML::Key << "idle_timeout" << YAML::Value << FormatDuration(f.idle_timeout);
    out << YAML::EndMap;
  }
  const bool has_hours =
      std::any_of(m.hour_share.begin(), m.hour_share.end(), [](double v) { return v != 0; });
  if (has_hours) {
    out << YAML::Key << "hour_share" << YAML::Value;
    EmitList(out, m.hour_share);
    out << YAML::Comment("share of session starts by UTC hour, 00 first");
  }
  if (m.IsWorkflows()) {
    out << YAML::Key << "workflows" << YAML::Value << YAML::BeginSeq;
    for (const Workflow& w : m.workflows) {
      out << YAML::BeginMap;
      out << YAML::Key << "name" << YAML::Value << w.name;
      out << YAML::Key << "weight" << YAML::Value << Number(w.weight);
      out << YAML::Key << "think_time" << YAML::Value << FormatDuration(w.think_time);
      out << YAML::Key << "steps" << YAML::Value << YAML::BeginSeq;
      for (const WorkflowStep& s : w.steps) {
        out << YAML::Flow << YAML::BeginMap;
        out << YAML::Key << "method" << YAML::Value << s.method;
        out << YAML::Key << "path" << YAML::Value << s.path;
        out << YAML::Key << "bytes" << YAML::Value << s.bytes;
        if (s.think_time) {
          out << YAML::Key << "think_time" << YAML::Value << FormatDuration(*s.think_time);
        }
        out << YAML::EndMap;
      }
      out << YAML::EndSeq << YAML::EndMap;
    }
    out << YAML::EndSeq;
  } else {
    out << YAML::Key << "think_time_quantiles" << YAML::Value;
    EmitList(out, m.think_time_quantiles);
    out << YAML::Comment("seconds between consecutive requests of a session");
    WeightList start;
    for (size_t i = 0; i < m.endpoints.size(); ++i) {
      if (m.start[i] > 0) start.emplace_back(m.endpoints[i].path, m.start[i]);
    }
    out << YAML::Key << "start" << YAML::Value;
    EmitWeights(out, start);
    out << YAML::Comment("first endpoint of a session");
    out << YAML::Key << "endpoints" << YAML::Value << YAML::BeginSeq;
    for (const EndpointBehaviour& e : m.endpoints) {
      out << YAML::BeginMap;
      out << YAML::Key << "path" << YAML::Value << e.path;
      out << YAML::Key << "requests" << YAML::Value << e.requests;
      if (!e.methods.empty()) {
        out << YAML::Key << "methods" << YAML::Value;
        EmitWeights(out, e.methods);
      }
      if (!e.examples.empty()) {
        out << YAML::Key << "examples" << YAML::Value;
        EmitWeights(out, e.examples);
      }
      if (!e.bytes_quantiles.empty()) {
        out << YAML::Key << "bytes_quantiles" << YAML::Value;
        EmitList(out, e.bytes_quantiles);
      }
      WeightList next;
      for (size_t j = 0; j < e.next.size(); ++j) {
        if (e.next[j] > 0) {
          next.emplace_back(j < m.endpoints.size() ? m.endpoints[j].path : kEndState, e.next[j]);
        }
      }
      out << YAML::Key << "next" << YAML::Value;
      EmitWeights(out, next);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

Result<BehaviourModel> ParseBehaviourYaml(const std::string& yaml_text, const std::string& origin) {
  return internal::ParseYamlText(
      yaml_text, origin, [&](const YAML::Node& root) -> Result<BehaviourModel> {
        if (!root || root.IsNull()) {
          return Fail(ErrorCode::kInvalidArgument, origin + ": empty file");
        }
        return ParseRoot(root, Reader(origin));
      });
}

Result<void> WriteBehaviourFile(const BehaviourModel& model, const std::string& path) {
  return WriteOutputFile(path, FormatBehaviourYaml(model));
}

Result<BehaviourModel> ReadBehaviourFile(const std::string& path) {
  auto text = ingest::ReadWholeInput(path, size_t{256} << 20);
  if (!text) return std::unexpected(text.error());
  return ParseBehaviourYaml(*text, path);
}

}  // namespace forescale::generate
