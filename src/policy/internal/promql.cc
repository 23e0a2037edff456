#include "policy/internal/promql.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <vector>

namespace forescale::policy::internal {
namespace {

// A parsed query, only as deep as the shapes in promql.h need: selectors, function calls and
// aggregations. Binary operators are not parsed: a query that has one is not recognised.
struct Node {
  enum class Kind { kNumber, kString, kSelector, kCall, kAggregation };
  Kind kind = Kind::kNumber;
  double number = 0;
  std::string name;  // metric, function or aggregation operator
  std::vector<std::pair<std::string, std::string>> matchers;  // label, value (any operator)
  std::optional<Duration> range;
  std::vector<Node> args;
  std::vector<std::string> grouping;  // by (...) / without (...)
  bool without = false;
};

bool IdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IdentChar(char c) { return IdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

bool IsAggregation(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kOps = {
      "sum",    "avg",  "min",     "max",      "count",       "stddev",
      "stdvar", "topk", "bottomk", "quantile", "count_values"};
  return std::find(kOps.begin(), kOps.end(), name) != kOps.end();
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::optional<Node> Parse() {
    auto node = Expr();
    Skip();
    if (!node || pos_ != s_.size()) return std::nullopt;
    return node;
  }

 private:
  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Peek(char c) {
    Skip();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  std::string Ident() {
    Skip();
    const size_t start = pos_;
    if (pos_ < s_.size() && IdentStart(s_[pos_])) {
      while (pos_ < s_.size() && IdentChar(s_[pos_])) ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  std::optional<std::string> String() {
    Skip();
    if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'' && s_[pos_] != '`'))
      return std::nullopt;
    const char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' && quote != '`' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_++];
    }
    if (pos_ >= s_.size()) return std::nullopt;
    ++pos_;
    return out;
  }
  std::optional<std::vector<std::string>> Labels() {
    if (!Eat('(')) return std::nullopt;
    std::vector<std::string> labels;
    while (!Peek(')')) {
      std::string l = Ident();
      if (l.empty()) return std::nullopt;
      labels.push_back(l);
      if (!Eat(',')) break;
    }
    if (!Eat(')')) return std::nullopt;
    return labels;
  }
  bool Grouping(Node& node) {
    Skip();
    const size_t mark = pos_;
    const std::string word = Ident();
    if (word != "by" && word != "without") {
      pos_ = mark;
      return true;
    }
    auto labels = Labels();
    if (!labels) return false;
    node.grouping = *labels;
    node.without = word == "without";
    return true;
  }
  bool Matchers(Node& node) {
    if (!Eat('{')) return true;
    while (!Peek('}')) {
      std::string label = Ident();
      if (label.empty()) return false;
      Skip();
      const std::string_view rest = s_.substr(pos_);
      if (rest.starts_with("=~") || rest.starts_with("!=") || rest.starts_with("!~")) {
        pos_ += 2;
      } else if (rest.starts_with("=")) {
        pos_ += 1;
      } else {
        return false;
      }
      auto value = String();
      if (!value) return false;
      node.matchers.emplace_back(label, *value);
      if (!Eat(',')) break;
    }
    return Eat('}');
  }
  bool Range(Node& node) {
    if (!Eat('[')) return true;
    Skip();
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ']') ++pos_;
    if (pos_ >= s_.size()) return false;
    std::string_view text = s_.substr(start, pos_ - start);
    ++pos_;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.remove_suffix(1);
    if (text.find(':') != std::string_view::npos) return false;  // a subquery
    auto d = ParseDuration(text);
    if (!d) return false;
    node.range = *d;
    return true;
  }

  std::optional<Node> Expr() {
    Skip();
    if (pos_ >= s_.size()) return std::nullopt;
    const char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      auto inner = Expr();
      if (!inner || !Eat(')')) return std::nullopt;
      return inner;
    }
    if (c == '"' || c == '\'' || c == '`') {
      auto text = String();
      if (!text) return std::nullopt;
      return Node{.kind = Node::Kind::kString, .name = *text};
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      double v = 0;
      auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
      if (ec != std::errc()) return std::nullopt;
      pos_ = static_cast<size_t>(p - s_.data());
      return Node{.kind = Node::Kind::kNumber, .number = v};
    }
    if (c == '{') {
      Node sel{.kind = Node::Kind::kSelector};
      if (!Matchers(sel) || !Range(sel)) return std::nullopt;
      return sel;
    }
    std::string name = Ident();
    if (name.empty()) return std::nullopt;
    if (IsAggregation(name)) {
      Node agg{.kind = Node::Kind::kAggregation, .name = name};
      if (!Grouping(agg)) return std::nullopt;
      if (!Eat('(')) return std::nullopt;
      while (!Peek(')')) {
        auto arg = Expr();
        if (!arg) return std::nullopt;
        agg.args.push_back(std::move(*arg));
        if (!Eat(',')) break;
      }
      if (!Eat(')')) return std::nullopt;
      if (agg.grouping.empty() && !Grouping(agg)) return std::nullopt;
      return agg;
    }
    if (Peek('(')) {
      Eat('(');
      Node call{.kind = Node::Kind::kCall, .name = name};
      while (!Peek(')')) {
        auto arg = Expr();
        if (!arg) return std::nullopt;
        call.args.push_back(std::move(*arg));
        if (!Eat(',')) break;
      }
      if (!Eat(')')) return std::nullopt;
      return call;
    }
    Node sel{.kind = Node::Kind::kSelector, .name = name};
    if (!Matchers(sel) || !Range(sel)) return std::nullopt;
    return sel;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(std::string_view s, std::initializer_list<std::string_view> parts) {
  return std::any_of(parts.begin(), parts.end(),
                     [s](std::string_view p) { return s.find(p) != std::string_view::npos; });
}

// The metric name of a selector, also when written {__name__="..."}.
std::string MetricNameOf(const Node& sel) {
  if (!sel.name.empty()) return sel.name;
  for (const auto& [label, value] : sel.matchers) {
    if (label == "__name__") return value;
  }
  return "";
}

// A matcher on one of these labels keeps only some requests (errors, one route, GETs): the
// value is then not the service's request rate.
bool SelectsASubset(const Node& sel) {
  static constexpr std::array<std::string_view, 16> kSubsetLabels = {
      "code",   "status", "status_code", "response_code", "http_status", "status_class", "method",
      "verb",   "route",  "path",        "handler",       "uri",         "endpoint",     "outcome",
      "result", "le"};
  return std::any_of(sel.matchers.begin(), sel.matchers.end(), [](const auto& m) {
    return std::find(kSubsetLabels.begin(), kSubsetLabels.end(), Lower(m.first)) !=
           kSubsetLabels.end();
  });
}

// A counter's per-second meaning by its name.
std::optional<Metric> CounterMetric(std::string_view raw) {
  const std::string name = Lower(raw);
  if (Contains(name, {"drop", "reject", "shed", "throttl"})) return Metric::kDropRate;
  if (Contains(name, {"error", "fail", "5xx", "4xx", "exception", "timeout", "retr"}))
    return std::nullopt;
  const bool ends_count = name.size() > 6 && name.ends_with("_count");
  if (ends_count && Contains(name, {"duration", "latency", "seconds", "response_time"})) {
    return Metric::kRequestRate;  // a duration histogram/summary counts every request
  }
  if (Contains(name, {"request"})) return Metric::kRequestRate;
  return std::nullopt;
}

bool InFlightGauge(std::string_view raw) {
  const std::string name = Lower(raw);
  return Contains(name, {"in_flight", "inflight", "in_progress", "inprogress", "concurrent",
                         "active_request", "requests_active", "current_request"});
}

// "job:http_requests_total:rate5m" -> counter "http_requests_total", window 5m.
std::optional<PromMetric> RecordingRule(std::string_view name) {
  const size_t last = name.rfind(':');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  std::string_view op = name.substr(last + 1);
  std::string_view rest = name.substr(0, last);
  const size_t first = rest.find(':');
  std::string_view counter = first == std::string_view::npos ? rest : rest.substr(first + 1);
  std::optional<Duration> window;
  if (op.starts_with("irate")) {
    op.remove_prefix(5);
  } else if (op.starts_with("rate")) {
    op.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  if (!op.empty()) {
    auto d = ParseDuration(op);
    if (!d) return std::nullopt;
    window = *d;
  }
  auto metric = CounterMetric(counter);
  if (!metric) return std::nullopt;
  return PromMetric{.metric = *metric, .scale = 1, .window = window};
}

std::optional<PromMetric> CounterRate(const Node& call) {
  if (call.kind != Node::Kind::kCall || call.args.size() != 1) return std::nullopt;
  const bool rate = call.name == "rate" || call.name == "irate";
  if (!rate && call.name != "increase") return std::nullopt;
  const Node& sel = call.args[0];
  if (sel.kind != Node::Kind::kSelector || !sel.range || SelectsASubset(sel)) return std::nullopt;
  auto metric = CounterMetric(MetricNameOf(sel));
  if (!metric) return std::nullopt;
  PromMetric out{.metric = *metric, .scale = 1, .window = sel.range};
  if (!rate) out.scale = std::chrono::duration<double>(*sel.range).count();
  return out;
}

std::optional<PromMetric> LatencyQuantile(const Node& call) {
  if (call.kind != Node::Kind::kCall || call.name != "histogram_quantile" ||
      call.args.size() != 2) {
    return std::nullopt;
  }
  const Node& q = call.args[0];
  if (q.kind != Node::Kind::kNumber || std::fabs(q.number - 0.95) > 1e-9) return std::nullopt;
  const Node* inner = &call.args[1];
  if (inner->kind == Node::Kind::kAggregation) {
    // sum(...) by (le): the buckets of every pod together.
    if (inner->name != "sum" || inner->without ||
        inner->grouping != std::vector<std::string>{"le"} || inner->args.size() != 1) {
      return std::nullopt;
    }
    inner = &inner->args[0];
  }
  if (inner->kind != Node::Kind::kCall || (inner->name != "rate" && inner->name != "irate") ||
      inner->args.size() != 1) {
    return std::nullopt;
  }
  const Node& sel = inner->args[0];
  if (sel.kind != Node::Kind::kSelector || !sel.range || SelectsASubset(sel)) return std::nullopt;
  const std::string name = Lower(MetricNameOf(sel));
  if (!name.ends_with("_bucket") || !Contains(name, {"duration", "latency", "response_time"})) {
    return std::nullopt;
  }
  double scale = 0;
  if (Contains(name, {"_milliseconds_bucket", "_ms_bucket"})) {
    scale = 1000;
  } else if (Contains(name, {"_seconds_bucket"})) {
    scale = 1;
  } else {
    return std::nullopt;  // a unit we cannot tell
  }
  return PromMetric{.metric = Metric::kLatencyP95, .scale = scale, .window = sel.range};
}

void FirstRange(const Node& node, std::optional<Duration>& out) {
  if (out) return;
  if (node.range) {
    out = node.range;
    return;
  }
  for (const Node& arg : node.args) FirstRange(arg, out);
}

}  // namespace

std::optional<PromMetric> RecognisePromQuery(std::string_view query) {
  auto root = Parser(query).Parse();
  if (!root) return std::nullopt;
  const Node* node = &*root;
  // sum(x) over the whole service (no grouping: several series would make KEDA fail anyway).
  if (node->kind == Node::Kind::kAggregation) {
    if (node->name != "sum" || !node->grouping.empty() || node->args.size() != 1)
      return std::nullopt;
    node = &node->args[0];
  }
  if (auto latency = LatencyQuantile(*node)) return latency;
  if (auto counter = CounterRate(*node)) return counter;
  if (node->kind == Node::Kind::kSelector && !node->range && !SelectsASubset(*node)) {
    const std::string name = MetricNameOf(*node);
    if (auto rule = RecordingRule(name)) return rule;
    if (InFlightGauge(name))
      return PromMetric{.metric = Metric::kInFlight, .scale = 1, .window = std::nullopt};
  }
  return std::nullopt;
}

std::optional<Duration> PromQueryWindow(std::string_view query) {
  auto root = Parser(query).Parse();
  if (!root) return std::nullopt;
  std::optional<Duration> out;
  FirstRange(*root, out);
  return out;
}

}  // namespace forescale::policy::internal
