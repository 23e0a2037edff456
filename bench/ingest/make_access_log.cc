// make_access_log: writes a large, deterministic access log for the ingest benchmark.
//
// Every line is a genuine log line from a real server (the Apache combined sample from
// elastic/examples, or the NASA Kennedy Space Center Common Log Format slice), cycled in file
// order; only the [time] field is replaced. The timestamps follow the real NASA per-second
// request series (nasa_ksc_requests_per_second.csv.gz, local time -0400): for each second of
// the series, `requests` lines carry that second, until N lines are written. When the series
// runs out before N, it starts again, shifted by its span (last - first + 1 s), so time only
// moves forward.
//
// Same inputs, same flags -> byte-identical output. Sample lines that are not well formed (the
// Apache sample has one user agent without its closing quote) are skipped, counted and
// reported on stderr, never written.
//
// Usage:
//   make_access_log --style apache --lines 5000000 -o bench/out/apache_5000000.log
//   make_access_log --style nasa --lines 500000 > nasa.log
#include <zlib.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;

// One sample line split around its time field: `prefix` ends just before '[', `suffix` starts
// just after ']'.
struct SampleLine {
  std::string prefix;
  std::string suffix;
};

struct Sample {
  std::vector<SampleLine> lines;
  int64_t read = 0;
  int64_t skipped = 0;
};

enum class Style { kApache, kNasa };

// Why `line` cannot be used, or nullopt when it is a well-formed line of `style`.
std::optional<std::string> Malformed(std::string_view line, Style style) {
  const size_t open = line.find(" [");
  if (open == std::string_view::npos) return "no [time] field";
  const size_t close = line.find("] ", open);
  if (close == std::string_view::npos) return "no closing ] on the time field";
  size_t quotes = 0;
  for (char c : line) quotes += c == '"';
  // CLF: "request"; combined: "request" "referrer" "user agent". Each quoted field must close.
  const size_t want = style == Style::kApache ? 6 : 2;
  const bool ends_quoted = line.back() == '"';
  if (quotes % 2 != 0 || (style == Style::kApache && !ends_quoted)) {
    return "unterminated quoted field (no closing quote)";
  }
  if (quotes != want) {
    return "expected " + std::to_string(want) + " quotes, found " + std::to_string(quotes);
  }
  return std::nullopt;
}

bool ReadSample(const fs::path& path, Style style, Sample& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "make_access_log: cannot open " << path.string() << ": " << std::strerror(errno)
              << "\n";
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    ++out.read;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      ++out.skipped;
      continue;
    }
    if (auto why = Malformed(line, style)) {
      ++out.skipped;
      std::cerr << "make_access_log: " << path.string() << ":" << out.read << ": skipped (" << *why
                << ")\n";
      continue;
    }
    const size_t open = line.find(" [") + 1;
    const size_t close = line.find("] ", open) + 1;
    out.lines.push_back({line.substr(0, open), line.substr(close)});
  }
  if (out.lines.empty()) {
    std::cerr << "make_access_log: " << path.string() << ": no usable lines\n";
    return false;
  }
  return true;
}

// Reads `timestamp,requests` rows ("1995-07-01 00:00:01,1") from a gzip'd CSV, one at a time;
// the timestamps are local wall-clock seconds, kept as seconds since 1970-01-01 of that wall
// clock (the offset is written verbatim, never applied).
class PerSecondSeries {
 public:
  explicit PerSecondSeries(const fs::path& path) : path_(path) {
    file_ = gzopen(path.c_str(), "rb");
    if (file_ != nullptr) gzbuffer(file_, 1 << 20);
  }
  ~PerSecondSeries() {
    if (file_ != nullptr) gzclose(file_);
  }
  PerSecondSeries(const PerSecondSeries&) = delete;
  PerSecondSeries& operator=(const PerSecondSeries&) = delete;

  bool ok() const { return file_ != nullptr; }

  // Next row; false at the end of the file. Bad rows are counted and skipped.
  bool Next(int64_t& second, int64_t& requests) {
    std::array<char, 256> buf{};
    while (gzgets(file_, buf.data(), static_cast<int>(buf.size())) != nullptr) {
      ++line_;
      std::string_view row(buf.data());
      while (!row.empty() && (row.back() == '\n' || row.back() == '\r')) row.remove_suffix(1);
      if (line_ == 1 && row.starts_with("timestamp")) continue;
      if (ParseRow(row, second, requests)) return true;
      if (rewound_) continue;  // counted and reported on the first pass
      if (++bad_rows_ <= 5) {
        std::cerr << "make_access_log: " << path_.string() << ":" << line_ << ": bad row '" << row
                  << "' skipped\n";
      }
    }
    return false;
  }

  void Rewind() {
    gzrewind(file_);
    line_ = 0;
    rewound_ = true;
  }

  int64_t bad_rows() const { return bad_rows_; }

 private:
  static bool Digits(std::string_view s, int64_t& v) {
    if (s.empty()) return false;
    v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    return true;
  }

  static bool ParseRow(std::string_view row, int64_t& second, int64_t& requests) {
    // "YYYY-MM-DD hh:mm:ss,N"
    if (row.size() < 21 || row[4] != '-' || row[7] != '-' || row[10] != ' ' || row[13] != ':' ||
        row[16] != ':' || row[19] != ',') {
      return false;
    }
    int64_t y, mo, d, h, mi, s;
    if (!Digits(row.substr(0, 4), y) || !Digits(row.substr(5, 2), mo) ||
        !Digits(row.substr(8, 2), d) || !Digits(row.substr(11, 2), h) ||
        !Digits(row.substr(14, 2), mi) || !Digits(row.substr(17, 2), s) ||
        !Digits(row.substr(20), requests)) {
      return false;
    }
    const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(y)),
                                          std::chrono::month(static_cast<unsigned>(mo)),
                                          std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return false;
    const int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
    second = days * 86400 + h * 3600 + mi * 60 + s;
    return true;
  }

  fs::path path_;
  gzFile file_ = nullptr;
  int64_t line_ = 0;
  int64_t bad_rows_ = 0;
  bool rewound_ = false;
};

// "01/Aug/1995:00:00:01 -0400" for a wall-clock second.
std::string FormatClfTime(int64_t second, std::string_view offset) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t days = second / 86400;
  int64_t tod = second % 86400;
  if (tod < 0) {
    tod += 86400;
    --days;
  }
  const std::chrono::year_month_day ymd{std::chrono::sys_days(std::chrono::days(days))};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02u/%s/%04d:%02d:%02d:%02d %.*s",
                static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(tod / 3600),
                static_cast<int>(tod / 60 % 60), static_cast<int>(tod % 60),
                static_cast<int>(offset.size()), offset.data());
  return buf;
}

// Buffered writer: one fwrite per MiB instead of one per line.
class Output {
 public:
  explicit Output(std::FILE* f) : file_(f) { buf_.reserve(kCapacity + 4096); }
  void Append(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kCapacity) Flush();
  }
  void Append(char c) { buf_.push_back(c); }
  bool Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) {
      failed_ = true;
    }
    bytes_ += static_cast<int64_t>(buf_.size());
    buf_.clear();
    return !failed_;
  }
  bool failed() const { return failed_; }
  int64_t bytes() const { return bytes_; }

 private:
  static constexpr size_t kCapacity = 1 << 20;
  std::FILE* file_;
  std::string buf_;
  bool failed_ = false;
  int64_t bytes_ = 0;
};

// `relative` under the repository's data/ if it is there, else under ../shared/data.
std::string DefaultInput(std::string_view relative) {
  const fs::path repo = FORESCALE_SOURCE_DIR;
  const fs::path local = repo / "data" / relative;
  if (fs::exists(local)) return local.string();
  return (repo.parent_path() / "shared" / "data" / relative).lexically_normal().string();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Writes an access log of genuine lines with timestamps from the NASA per-second "
      "request series (deterministic)."};
  int64_t lines = 5'000'000;
  std::string style_name = "apache";
  std::string output = "-";
  std::string apache_sample = DefaultInput("apache_access_logs/elastic_examples_apache_logs.log");
  std::string nasa_sample = DefaultInput("nasa_http/NASA_access_log_Aug95_head1880_repaired.log");
  std::string per_second = DefaultInput("nasa_http/nasa_ksc_requests_per_second.csv.gz");
  std::string offset = "-0400";
  app.add_option("-n,--lines", lines, "Number of lines to write")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--style", style_name, "apache (combined, IP hosts) or nasa (CLF, host names)")
      ->capture_default_str()
      ->check(CLI::IsMember({"apache", "nasa"}));
  app.add_option("-o,--output", output, "Output file, - for stdout")->capture_default_str();
  app.add_option("--apache-sample", apache_sample, "Genuine Apache combined log lines")
      ->capture_default_str();
  app.add_option("--nasa-sample", nasa_sample, "Genuine NASA Common Log Format lines")
      ->capture_default_str();
  app.add_option("--per-second", per_second, "timestamp,requests CSV (gzip) giving the timestamps")
      ->capture_default_str();
  app.add_option("--offset", offset, "UTC offset written into every timestamp (the series' zone)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const Style style = style_name == "nasa" ? Style::kNasa : Style::kApache;
  const fs::path sample_path = style == Style::kNasa ? nasa_sample : apache_sample;
  Sample sample;
  if (!ReadSample(sample_path, style, sample)) return 1;
  if (sample.skipped > 0) {
    std::cerr << "make_access_log: skipped " << sample.skipped << " of " << sample.read
              << " sample lines in " << sample_path.string() << "\n";
  }

  PerSecondSeries series(per_second);
  if (!series.ok()) {
    std::cerr << "make_access_log: cannot open " << per_second << "\n";
    return 1;
  }

  std::FILE* out_file = stdout;
  if (output != "-") {
    out_file = std::fopen(output.c_str(), "wb");
    if (out_file == nullptr) {
      std::cerr << "make_access_log: cannot write " << output << ": " << std::strerror(errno)
                << "\n";
      return 1;
    }
  }
  Output out(out_file);

  int64_t written = 0;
  size_t next_sample = 0;
  int64_t shift = 0;  // seconds added to the series on its current pass
  int passes = 1;
  std::optional<int64_t> first_second;
  int64_t last_second = 0;
  int64_t lines_this_pass = 0;
  while (written < lines) {
    int64_t second = 0;
    int64_t requests = 0;
    if (!series.Next(second, requests)) {
      if (!first_second || lines_this_pass == 0) {
        std::cerr << "make_access_log: " << per_second << " has no requests\n";
        return 1;
      }
      shift += last_second - *first_second + 1;
      series.Rewind();
      ++passes;
      lines_this_pass = 0;
      continue;
    }
    if (!first_second) first_second = second;
    last_second = second;
    if (requests == 0) continue;
    const std::string stamp = FormatClfTime(second + shift, offset);
    for (int64_t i = 0; i < requests && written < lines; ++i, ++written, ++lines_this_pass) {
      const SampleLine& s = sample.lines[next_sample];
      if (++next_sample == sample.lines.size()) next_sample = 0;
      out.Append(s.prefix);
      out.Append('[');
      out.Append(stamp);
      out.Append(']');
      out.Append(s.suffix);
      out.Append('\n');
    }
  }
  const bool flushed = out.Flush();
  const bool closed = out_file == stdout ? std::fflush(stdout) == 0 : std::fclose(out_file) == 0;
  if (!flushed || !closed) {
    std::cerr << "make_access_log: writing " << output << " failed: " << std::strerror(errno)
              << "\n";
    return 1;
  }
  if (series.bad_rows() > 0) {
    std::cerr << "make_access_log: skipped " << series.bad_rows() << " bad rows in " << per_second
              << "\n";
  }
  std::cerr << "make_access_log: wrote " << written << " " << style_name << " lines ("
            << out.bytes() << " bytes) from " << sample.lines.size() << " sample lines, " << passes
            << " pass(es) over the per-second series\n";
  return 0;
}
