#include "testkit/assertions.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "core/time.h"

namespace forescale::testkit {
namespace internal {

enum class NodeKind { kNumber, kRef, kNeg, kAdd, kSub, kMul, kDiv, kCompare, kAnd, kOr };
enum class CompareOp { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };

struct AssertionNode {
  NodeKind kind = NodeKind::kNumber;
  double value = 0;        // kNumber
  std::string text;        // kNumber: as written ("30s", "0.1%"); kRef: "policy.metric"
  size_t ref = 0;          // kRef: index into Assertion::references()
  CompareOp op = CompareOp::kLess;
  std::unique_ptr<AssertionNode> a, b;
};

}  // namespace internal

namespace {

using internal::AssertionNode;
using internal::CompareOp;
using internal::NodeKind;

// Deep enough for any assertion a person writes; bounded so that hostile input cannot exhaust
// the stack of the recursive-descent parser.
constexpr int kMaxDepth = 64;

enum class Tok { kNumber, kRef, kWord, kPlus, kMinus, kStar, kSlash, kLParen, kRParen, kCompare,
                 kAnd, kOr, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  size_t col = 0;          // 1-based
  std::string text;        // as written
  double value = 0;        // kNumber
  std::string policy, metric;  // kRef
  CompareOp op = CompareOp::kLess;
};

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLabelChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == '-'; }
bool IsMetricChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }

std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u >= 0x7f) return fmt::format("\\x{:02x}", u);
  return std::string(1, c);
}

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\\\"") : Printable(c);
  return out + "\"";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::unique_ptr<AssertionNode>> Run() {
    if (auto ok = Lex(); !ok) return std::unexpected(ok.error());
    auto root = ParseOr();
    if (!root) return std::unexpected(root.error());
    if (Peek().kind != Tok::kEnd) {
      if (Peek().kind == Tok::kCompare) {
        return Error("'and', 'or' or the end (comparisons do not chain: write a < b and b < c)");
      }
      return Error("'and', 'or' or the end");
    }
    assertion_refs_.swap(refs_);
    return std::move(*root);
  }

  std::vector<MetricRef> TakeRefs() { return std::move(assertion_refs_); }

 private:
  using Node = std::unique_ptr<AssertionNode>;

  std::unexpected<forescale::Error> ErrorAt(size_t col, const std::string& what) const {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("col {}: {} in {}", col, what, Quoted(text_)));
  }

  // "expected X after 'previous token'" at the current token.
  std::unexpected<forescale::Error> Error(const std::string& expected) const {
    const Token& t = Peek();
    std::string where = pos_ == 0 ? " at the start" : " after '" + tokens_[pos_ - 1].text + "'";
    std::string found = t.kind == Tok::kEnd ? "" : ", found '" + t.text + "'";
    return ErrorAt(t.col, "expected " + expected + where + found);
  }

  Result<void> Lex() {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
        continue;
      }
      Token t;
      t.col = i + 1;
      const size_t start = i;
      if (IsDigit(c) || (c == '.' && i + 1 < text_.size() && IsDigit(text_[i + 1]))) {
        if (auto ok = LexNumber(i, t); !ok) return ok;
      } else if (IsAlpha(c) || c == '_') {
        while (i < text_.size() && IsLabelChar(text_[i])) ++i;
        const std::string_view label = text_.substr(start, i - start);
        if (i < text_.size() && text_[i] == '.') {
          ++i;
          const size_t metric_start = i;
          while (i < text_.size()) {
            if (IsMetricChar(text_[i])) {
              ++i;
            } else if (text_[i] == '.' && i + 1 < text_.size() && IsMetricChar(text_[i + 1]) &&
                       i > metric_start) {
              ++i;
            } else {
              break;
            }
          }
          if (i == metric_start) {
            return ErrorAt(i + 1, fmt::format("expected a metric name after '{}.'", label));
          }
          t.kind = Tok::kRef;
          t.policy = std::string(label);
          t.metric = std::string(text_.substr(metric_start, i - metric_start));
        } else if (label == "and" || label == "or") {
          t.kind = label == "and" ? Tok::kAnd : Tok::kOr;
        } else {
          return ErrorAt(t.col, fmt::format("'{}' is not POLICY.METRIC (write e.g. {}.cost)",
                                            label, label));
        }
      } else if (c == '<' || c == '>' || c == '=' || c == '!') {
        const bool eq = i + 1 < text_.size() && text_[i + 1] == '=';
        if ((c == '=' || c == '!') && !eq) {
          return ErrorAt(t.col, c == '=' ? "'=' is not a comparison (write '==')"
                                         : "'!' is not a comparison (write '!=')");
        }
        t.kind = Tok::kCompare;
        switch (c) {
          case '<': t.op = eq ? CompareOp::kLessEqual : CompareOp::kLess; break;
          case '>': t.op = eq ? CompareOp::kGreaterEqual : CompareOp::kGreater; break;
          case '=': t.op = CompareOp::kEqual; break;
          default: t.op = CompareOp::kNotEqual; break;
        }
        i += eq ? 2 : 1;
      } else {
        switch (c) {
          case '+': t.kind = Tok::kPlus; break;
          case '-': t.kind = Tok::kMinus; break;
          case '*': t.kind = Tok::kStar; break;
          case '/': t.kind = Tok::kSlash; break;
          case '(': t.kind = Tok::kLParen; break;
          case ')': t.kind = Tok::kRParen; break;
          default:
            return ErrorAt(t.col, fmt::format("unexpected character '{}'", Printable(c)));
        }
        ++i;
      }
      t.text = std::string(text_.substr(start, i - start));
      tokens_.push_back(std::move(t));
    }
    Token end;
    end.col = text_.size() + 1;
    tokens_.push_back(std::move(end));
    return {};
  }

  // A number, then optionally '%' or a duration unit ("30s", "1h30m", "1.5m").
  Result<void> LexNumber(size_t& i, Token& t) {
    const size_t start = i;
    while (i < text_.size() && (IsDigit(text_[i]) || text_[i] == '.')) ++i;
    if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
      size_t j = i + 1;
      if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) ++j;
      if (j < text_.size() && IsDigit(text_[j])) {
        i = j;
        while (i < text_.size() && IsDigit(text_[i])) ++i;
      }
    }
    double number = 0;
    auto [p, ec] = std::from_chars(text_.data() + start, text_.data() + i, number);
    if (ec != std::errc() || p != text_.data() + i || !std::isfinite(number)) {
      return ErrorAt(t.col, fmt::format("'{}' is not a number",
                                        text_.substr(start, i - start)));
    }
    t.kind = Tok::kNumber;
    t.value = number;
    if (i < text_.size() && text_[i] == '%') {
      ++i;
      t.value = number / 100;
    } else if (i < text_.size() && IsAlpha(text_[i])) {
      while (i < text_.size() && (IsAlpha(text_[i]) || IsDigit(text_[i]) || text_[i] == '.')) ++i;
      const std::string_view spelled = text_.substr(start, i - start);
      auto d = ParseDuration(spelled);
      if (!d) {
        return ErrorAt(t.col, fmt::format("'{}' is not a number, a percentage or a duration "
                                          "(units: ms, s, m, h, d, w)",
                                          spelled));
      }
      t.value = std::chrono::duration<double>(*d).count();
    }
    return {};
  }

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_++]; }

  static Node Make(NodeKind kind, Node a = nullptr, Node b = nullptr) {
    auto n = std::make_unique<AssertionNode>();
    n->kind = kind;
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }

  Result<Node> ParseOr() {
    auto left = ParseAnd();
    if (!left) return left;
    while (Peek().kind == Tok::kOr) {
      Next();
      auto right = ParseAnd();
      if (!right) return right;
      left = Make(NodeKind::kOr, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<Node> ParseAnd() {
    auto left = ParseComparison();
    if (!left) return left;
    while (Peek().kind == Tok::kAnd) {
      Next();
      auto right = ParseComparison();
      if (!right) return right;
      left = Make(NodeKind::kAnd, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<Node> ParseComparison() {
    auto left = ParseSum(0);
    if (!left) return left;
    if (Peek().kind != Tok::kCompare) return Error("a comparison (<, <=, >, >=, ==, !=)");
    const CompareOp op = Next().op;
    auto right = ParseSum(0);
    if (!right) return right;
    auto n = Make(NodeKind::kCompare, std::move(*left), std::move(*right));
    n->op = op;
    return n;
  }

  Result<Node> ParseSum(int depth) {
    auto left = ParseProduct(depth);
    if (!left) return left;
    while (Peek().kind == Tok::kPlus || Peek().kind == Tok::kMinus) {
      const NodeKind kind = Next().kind == Tok::kPlus ? NodeKind::kAdd : NodeKind::kSub;
      auto right = ParseProduct(depth);
      if (!right) return right;
      left = Make(kind, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<Node> ParseProduct(int depth) {
    auto left = ParseUnary(depth);
    if (!left) return left;
    while (Peek().kind == Tok::kStar || Peek().kind == Tok::kSlash) {
      const NodeKind kind = Next().kind == Tok::kStar ? NodeKind::kMul : NodeKind::kDiv;
      auto right = ParseUnary(depth);
      if (!right) return right;
      left = Make(kind, std::move(*left), std::move(*right));
    }
    return left;
  }

  Result<Node> ParseUnary(int depth) {
    if (depth > kMaxDepth) {
      return ErrorAt(Peek().col, fmt::format("nested deeper than {} levels", kMaxDepth));
    }
    if (Peek().kind == Tok::kMinus) {
      Next();
      auto operand = ParseUnary(depth + 1);
      if (!operand) return operand;
      return Make(NodeKind::kNeg, std::move(*operand));
    }
    return ParsePrimary(depth);
  }

  Result<Node> ParsePrimary(int depth) {
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kNumber: {
        auto n = Make(NodeKind::kNumber);
        n->value = t.value;
        n->text = t.text;
        Next();
        return n;
      }
      case Tok::kRef: {
        auto n = Make(NodeKind::kRef);
        n->text = t.policy + "." + t.metric;
        n->ref = refs_.size();
        refs_.push_back({t.policy, t.metric});
        Next();
        return n;
      }
      case Tok::kLParen: {
        const size_t open_col = t.col;
        Next();
        auto inner = ParseSum(depth + 1);
        if (!inner) return inner;
        if (Peek().kind != Tok::kRParen) {
          return Error(fmt::format("')' to close the '(' at col {}", open_col));
        }
        Next();
        return inner;
      }
      default:
        return Error("a number, a duration or POLICY.METRIC");
    }
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::vector<MetricRef> refs_, assertion_refs_;
};

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "unknown metric "cots" for policy hpa (did you mean "cost"? known: ...)"
std::string Unknown(const std::string& what, const std::string& name,
                    const std::vector<std::string>& known) {
  std::string closest;
  size_t best = 3;  // suggest only near misses: a typo, not a different word
  for (const auto& k : known) {
    const size_t d = EditDistance(name, k);
    if (d < best) {
      best = d;
      closest = k;
    }
  }
  std::string msg = fmt::format("unknown {} {}", what, Quoted(name));
  msg += " (";
  if (!closest.empty()) msg += fmt::format("did you mean {}? ", Quoted(closest));
  msg += known.empty() ? std::string("none are known")
                       : fmt::format("known: {}", fmt::join(known, ", "));
  return msg + ")";
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::round(v) && std::fabs(v) < 1e12) return fmt::format("{:.0f}", v);
  if (std::fabs(v) >= 0.01 && std::fabs(v) < 1e12) return fmt::format("{:.2f}", v);
  return fmt::format("{:.3g}", v);
}

int Precedence(NodeKind k) {
  switch (k) {
    case NodeKind::kAdd:
    case NodeKind::kSub: return 1;
    case NodeKind::kMul:
    case NodeKind::kDiv: return 2;
    case NodeKind::kNeg: return 3;
    default: return 4;
  }
}

const char* OpText(CompareOp op) {
  switch (op) {
    case CompareOp::kLess: return "<";
    case CompareOp::kLessEqual: return "<=";
    case CompareOp::kGreater: return ">";
    case CompareOp::kGreaterEqual: return ">=";
    case CompareOp::kEqual: return "==";
    case CompareOp::kNotEqual: return "!=";
  }
  return "?";
}

bool Compare(CompareOp op, double a, double b) {
  switch (op) {
    case CompareOp::kLess: return a < b;
    case CompareOp::kLessEqual: return a <= b;
    case CompareOp::kGreater: return a > b;
    case CompareOp::kGreaterEqual: return a >= b;
    case CompareOp::kEqual: return a == b;
    case CompareOp::kNotEqual: return a != b;
  }
  return false;
}

struct Evaluator {
  const std::vector<double>& values;   // per reference
  std::vector<std::string> unavailable;  // references whose value is NaN, in order, unique

  double Value(const AssertionNode& n) {
    switch (n.kind) {
      case NodeKind::kNumber: return n.value;
      case NodeKind::kRef: {
        const double v = values[n.ref];
        if (std::isnan(v) &&
            std::find(unavailable.begin(), unavailable.end(), n.text) == unavailable.end()) {
          unavailable.push_back(n.text);
        }
        return v;
      }
      case NodeKind::kNeg: return -Value(*n.a);
      case NodeKind::kAdd: return Value(*n.a) + Value(*n.b);
      case NodeKind::kSub: return Value(*n.a) - Value(*n.b);
      case NodeKind::kMul: return Value(*n.a) * Value(*n.b);
      case NodeKind::kDiv: return Value(*n.a) / Value(*n.b);
      default: return std::numeric_limits<double>::quiet_NaN();
    }
  }

  // The arithmetic with each reference followed by its value: "1.05 * hpa.cost 45.90".
  std::string Render(const AssertionNode& n) const {
    switch (n.kind) {
      case NodeKind::kNumber: return n.text;
      case NodeKind::kRef: return n.text + " " + FormatValue(values[n.ref]);
      case NodeKind::kNeg: {
        const std::string inner = Render(*n.a);
        return Precedence(n.a->kind) < Precedence(NodeKind::kNeg) ? "-(" + inner + ")"
                                                                  : "-" + inner;
      }
      default: break;
    }
    const char* op = n.kind == NodeKind::kAdd   ? " + "
                     : n.kind == NodeKind::kSub ? " - "
                     : n.kind == NodeKind::kMul ? " * "
                                                : " / ";
    const int p = Precedence(n.kind);
    std::string left = Render(*n.a), right = Render(*n.b);
    if (Precedence(n.a->kind) < p) left = "(" + left + ")";
    // a - (b - c) and a / (b * c) need their parentheses; a + (b + c) is written without.
    const bool right_needs = Precedence(n.b->kind) < p ||
                             (Precedence(n.b->kind) == p &&
                              (n.kind == NodeKind::kSub || n.kind == NodeKind::kDiv));
    if (right_needs) right = "(" + right + ")";
    return left + op + right;
  }

  std::string Side(const AssertionNode& n, double v) const {
    std::string s = Render(n);
    if (n.kind != NodeKind::kNumber && n.kind != NodeKind::kRef) s += " = " + FormatValue(v);
    return s;
  }

  // Returns whether it holds; appends the rendering to `out`.
  bool Check(const AssertionNode& n, bool alone, std::string& out) {
    if (n.kind == NodeKind::kAnd || n.kind == NodeKind::kOr) {
      std::string left, right;
      const bool a = Check(*n.a, false, left);
      const bool b = Check(*n.b, false, right);
      out += left + (n.kind == NodeKind::kAnd ? " and " : " or ") + right;
      return n.kind == NodeKind::kAnd ? a && b : a || b;
    }
    const size_t unavailable_before = unavailable.size();
    const double a = Value(*n.a), b = Value(*n.b);
    std::string rendered = Side(*n.a, a) + " " + OpText(n.op) + " " + Side(*n.b, b);
    const bool defined = !std::isnan(a) && !std::isnan(b);
    const bool holds = defined && Compare(n.op, a, b);
    std::string verdict = holds ? "holds" : "fails";
    if (!defined) {
      if (unavailable.size() > unavailable_before) {
        std::vector<std::string> names(unavailable.begin() + static_cast<long>(unavailable_before),
                                       unavailable.end());
        verdict += fmt::format(": {} {} not available", fmt::join(names, " and "),
                               names.size() == 1 ? "was" : "were");
      } else {
        verdict += fmt::format(": the {} side has no value (0/0)", std::isnan(a) ? "left" : "right");
      }
    }
    out += alone ? rendered + ": " + verdict : rendered + " (" + verdict + ")";
    return holds;
  }
};

}  // namespace

Result<Assertion> ParseAssertion(std::string_view text) {
  Parser parser(text);
  Assertion assertion;
  auto root = parser.Run();
  if (!root) return std::unexpected(root.error());
  assertion.text_ = std::string(text);
  assertion.references_ = parser.TakeRefs();
  // Shared so that copies of an Assertion are cheap; the tree is never mutated after parsing.
  assertion.root_ = std::shared_ptr<const internal::AssertionNode>(std::move(*root));
  return assertion;
}

Result<void> Validate(const Assertion& assertion, const std::vector<std::string>& policies,
                      const std::vector<std::string>& metrics) {
  for (const MetricRef& r : assertion.references()) {
    if (std::find(policies.begin(), policies.end(), r.policy) == policies.end()) {
      return Fail(ErrorCode::kInvalidArgument,
                  Unknown("policy", r.policy, policies) + " in " + Quoted(assertion.text()));
    }
    if (std::find(metrics.begin(), metrics.end(), r.metric) == metrics.end()) {
      return Fail(ErrorCode::kInvalidArgument,
                  Unknown("metric", r.metric, metrics) + " in " + Quoted(assertion.text()));
    }
  }
  return {};
}

Result<AssertionResult> Evaluate(const Assertion& assertion, const MetricTable& metrics) {
  if (!assertion.root_) return Fail(ErrorCode::kInternal, "assertion was not parsed");
  std::vector<double> values;
  for (const MetricRef& r : assertion.references()) {
    auto policy = metrics.find(r.policy);
    if (policy == metrics.end()) {
      std::vector<std::string> known;
      for (const auto& [name, unused] : metrics) known.push_back(name);
      return Fail(ErrorCode::kInvalidArgument,
                  Unknown("policy", r.policy, known) + " in " + Quoted(assertion.text()));
    }
    auto metric = policy->second.find(r.metric);
    if (metric == policy->second.end()) {
      std::vector<std::string> known;
      for (const auto& [name, unused] : policy->second) known.push_back(name);
      return Fail(ErrorCode::kInvalidArgument,
                  Unknown("metric", r.metric, known) + " for policy " + r.policy + " in " +
                      Quoted(assertion.text()));
    }
    values.push_back(metric->second.mean);
  }
  Evaluator evaluator{values, {}};
  AssertionResult result;
  result.expression = assertion.text();
  const bool alone = assertion.root_->kind == NodeKind::kCompare;
  result.passed = evaluator.Check(*assertion.root_, alone, result.message);
  if (!alone) result.message += result.passed ? ": holds" : ": fails";
  return result;
}

MetricTable MetricsByPolicy(const std::vector<PolicyResult>& policies) {
  MetricTable table;
  for (const PolicyResult& p : policies) table[p.name] = p.metrics;
  return table;
}

}  // namespace forescale::testkit
