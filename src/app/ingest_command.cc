#include "app/ingest_command.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "app/load_series.h"
#include "app/progress.h"
#include "core/histogram.h"
#include "ingest/access_aggregator.h"
#include "ingest/input_stream.h"
#include "ingest/line_scanner.h"
#include "ingest/metric_parsers.h"
#include "store/store.h"

namespace forescale::app {
namespace {

using ingest::Format;
using ingest::InputStream;
using ingest::LineScanner;

constexpr size_t kHead = LineScanner::kFingerprintBytes;

std::string Shown(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// Reads up to `n` bytes (fewer only at the end of the input).
Result<std::string> ReadUpTo(InputStream& in, size_t n) {
  std::string out(n, '\0');
  size_t have = 0;
  while (have < n) {
    auto got = in.Read(out.data() + have, n - have);
    if (!got) return std::unexpected(got.error());
    if (*got == 0) break;
    have += *got;
  }
  out.resize(have);
  return out;
}

// Where to start reading a source, decided from what the store knows of the dataset.
struct Resume {
  std::optional<store::SourceRecord> source;  // the matching earlier source, if any
  std::unique_ptr<InputStream> stream;         // positioned at `start.offset + pending`
  LineScanner::Start start;
  bool unchanged = false;
};

bool SameFamily(const std::string& stored, Format format) {
  const bool stored_log = stored == "clf" || stored == "combined";
  return stored_log ? ingest::IsAccessLog(format) : stored == ingest::FormatName(format);
}

// Checks whether `path` continues an earlier source: same first bytes, and the bytes that
// ended the earlier read are still where they were. Plain files are re-opened for the check
// so that a mismatch costs nothing; standard input can only be read once.
Result<Resume> FindResume(const std::string& path, std::unique_ptr<InputStream> stream,
                          std::string head, Format format,
                          const std::vector<store::SourceRecord>& sources) {
  Resume resume;
  for (const auto& source : sources) {
    if (!SameFamily(source.format, format) || source.head_len > head.size() ||
        ingest::Fingerprint(std::string_view(head).substr(0, source.head_len)) != source.head_hash) {
      continue;
    }
    std::unique_ptr<InputStream> check;
    std::string tail;
    const uint64_t tail_start = source.consumed_bytes - source.tail_len;
    if (source.consumed_bytes <= head.size()) {
      tail = head.substr(tail_start, source.tail_len);
    } else if (path == "-") {
      // Standard input reads on from the head; the tail may begin inside the head (a source a
      // little longer than it: found by probing, the unsigned skip wrapped round and a second
      // `cat access.log | forescale ingest -` failed with "shorter than before").
      if (tail_start >= head.size()) {
        auto skipped = stream->Skip(tail_start - head.size());
        if (!skipped) return std::unexpected(skipped.error());
        auto got = ReadUpTo(*stream, source.tail_len);
        if (!got) return std::unexpected(got.error());
        tail = std::move(*got);
      } else {
        auto got = ReadUpTo(*stream, source.consumed_bytes - head.size());
        if (!got) return std::unexpected(got.error());
        tail = head.substr(tail_start) + *got;
      }
    } else {
      auto opened = InputStream::Open(path);
      if (!opened) return std::unexpected(opened.error());
      check = std::move(*opened);
      if (auto skipped = check->Skip(tail_start); !skipped) continue;  // shorter: not this one
      auto got = ReadUpTo(*check, source.tail_len);
      if (!got) return std::unexpected(got.error());
      tail = std::move(*got);
    }
    if (tail.size() != source.tail_len || ingest::Fingerprint(tail) != source.tail_hash) {
      if (path == "-" && source.consumed_bytes > head.size()) {
        return Fail(ErrorCode::kConflict,
                    "<stdin>: starts like a source ingested before into '" + source.dataset +
                        "' but differs from it; ingest it from a file or under another --name");
      }
      continue;
    }
    resume.source = source;
    if (source.consumed_bytes <= head.size()) {
      resume.stream = std::move(stream);
      resume.start.pending = head.substr(source.consumed_bytes);
    } else {
      resume.stream = check ? std::move(check) : std::move(stream);
      auto rest = ReadUpTo(*resume.stream, kHead);
      if (!rest) return std::unexpected(rest.error());
      resume.start.pending = std::move(*rest);
    }
    resume.start.offset = source.consumed_bytes;
    resume.start.line = source.consumed_lines;
    resume.start.tail = std::move(tail);
    resume.unchanged = resume.start.pending.empty();
    return resume;
  }
  resume.stream = std::move(stream);
  resume.start.pending = std::move(head);
  return resume;
}

Error LineError(const std::string& path, uint64_t line, const std::string& reason) {
  return Error(ErrorCode::kInvalidArgument, Shown(path) + ":" + std::to_string(line) + ": " + reason);
}

Error NothingParsed(const std::string& path, Format format, const ingest::ParseReport& report) {
  std::string message = Shown(path) + ": no line could be read as " + ingest::FormatName(format) +
                        " (" + std::to_string(report.lines) + " lines";
  if (!report.first_malformed.empty()) {
    message += "; line " + std::to_string(report.first_malformed.front().line) + ": " +
               report.first_malformed.front().reason;
  }
  return Error(ErrorCode::kInvalidArgument, message + ")");
}

class Ingester {
 public:
  Ingester(const IngestOptions& options, const Clock& clock, store::Store& store)
      : options_(options), clock_(clock), store_(store) {}

  Result<FileOutcome> IngestFile(const std::string& path) {
    FileOutcome outcome;
    outcome.path = path;
    auto opened = InputStream::Open(path);
    if (!opened) return std::unexpected(opened.error());
    std::unique_ptr<InputStream> stream = std::move(*opened);
    auto head = ReadUpTo(*stream, kHead);
    if (!head) return std::unexpected(head.error());
    if (head->empty()) {
      return Fail(ErrorCode::kInvalidArgument, Shown(path) + ": is empty (no line to read)");
    }
    outcome.format = options_.format;
    if (outcome.format == Format::kAuto) {
      auto detected = ingest::DetectFormat(*head);
      if (!detected) return std::unexpected(detected.error().WithContext(Shown(path)));
      outcome.format = *detected;
    } else if (head->find('\0') != std::string::npos) {
      return Fail(ErrorCode::kCorrupt, Shown(path) + ": looks like a binary file (NUL byte), not " +
                                           ingest::FormatName(outcome.format));
    }
    outcome.dataset = options_.name.empty() ? DefaultDatasetName(path) : options_.name;

    auto sources = store_.SourcesFor(outcome.dataset);
    if (!sources) return std::unexpected(sources.error());
    const uint64_t head_len = head->size();
    const uint64_t head_hash = ingest::Fingerprint(*head);
    const bool is_log = ingest::IsAccessLog(outcome.format);
    // Only a log is appended to; a metric export is a snapshot, read whole whenever it changed
    // (standard input: always).
    auto resume = FindResume(path, std::move(stream), std::move(*head), outcome.format,
                             is_log || path != "-" ? *sources : std::vector<store::SourceRecord>{});
    if (!resume) return std::unexpected(resume.error());
    if (!is_log && resume->source && !resume->unchanged) {
      auto reopened = InputStream::Open(path);
      if (!reopened) return std::unexpected(reopened.error());
      resume->stream = std::move(*reopened);
      resume->start = {};
    }
    if (resume->unchanged) {
      outcome.kind = FileOutcome::Kind::kUnchanged;
      outcome.skipped_bytes = resume->start.offset;
      return outcome;
    }
    outcome.kind = resume->source ? FileOutcome::Kind::kAppended : FileOutcome::Kind::kNew;
    outcome.skipped_bytes = resume->start.offset;

    store::SourceRecord source = resume->source.value_or(store::SourceRecord{});
    source.dataset = outcome.dataset;
    source.path = path;
    source.format = ingest::FormatName(outcome.format);
    if (!resume->source) {
      source.head_hash = head_hash;
      source.head_len = head_len;
    }
    // A metric export rewritten in place starts differently, so it is a new source by its
    // fingerprint; by its path it is the same file, whose values it may replace.
    rewritten_export_ = !is_log && path != "-" &&
                        std::any_of(sources->begin(), sources->end(),
                                    [&](const store::SourceRecord& s) { return s.path == path; });
    const uint64_t from_byte = resume->start.offset;
    LineScanner scanner(*resume->stream, std::move(resume->start));
    Result<void> parsed = ingest::IsAccessLog(outcome.format)
                              ? IngestAccessLog(scanner, outcome)
                              : IngestMetrics(scanner, outcome);
    if (!parsed) return std::unexpected(parsed.error());

    const std::string tail = scanner.tail();
    source.tail_hash = ingest::Fingerprint(tail);
    source.tail_len = tail.size();
    source.consumed_bytes = scanner.consumed_bytes();
    source.consumed_lines = scanner.line_number();
    auto id = store_.SaveSource(source);
    if (!id) return std::unexpected(id.error());
    store::RunRecord run{.source_id = *id, .started = clock_.Now(), .from_byte = from_byte,
                         .to_byte = source.consumed_bytes, .lines = outcome.report.lines,
                         .records = outcome.report.records, .malformed = outcome.report.malformed,
                         .recovered = outcome.report.recovered};
    if (auto ok = store_.RecordRun(run); !ok) return std::unexpected(ok.error());
    return outcome;
  }

 private:
  Result<void> IngestAccessLog(LineScanner& scanner, FileOutcome& outcome) {
    const std::string& path = outcome.path;
    // Once a dataset has endpoint series, later files keep exactly those (the rest is
    // "{other}"), so that a series never starts half-way through its history.
    std::vector<std::string> known_endpoints;
    auto existing = store_.ListSeries(outcome.dataset + ":endpoint_requests{");
    if (!existing) return std::unexpected(existing.error());
    for (const auto& info : *existing) {
      if (info.id.name != outcome.dataset + ":endpoint_requests") continue;
      if (auto it = info.id.labels.find("path"); it != info.id.labels.end() && it->second != "{other}") {
        known_endpoints.push_back(it->second);
      }
    }
    ingest::AccessAggregator aggregator({
        .step = options_.step.value_or(std::chrono::minutes(1)),
        .top_endpoints = existing->empty() ? options_.top_endpoints : 0,
    });
    ingest::AccessLogParser parser({.request_time_unit = options_.request_time_unit});
    ingest::AccessRecord record;
    ingest::ParseReport& report = outcome.report;
    InputStream& in = scanner.input();
    ProgressBar progress(clock_, "ingest " + Shown(path), in.raw_size(), options_.progress);
    std::string_view line;
    for (;;) {
      auto status = scanner.Next(line);
      if (!status) return std::unexpected(status.error());
      if (*status == LineScanner::Status::kEnd) break;
      ++report.lines;
      if ((report.lines & 0xffff) == 0) progress.Update(in.raw_position());
      if (*status == LineScanner::Status::kTooLong) {
        const std::string reason = "line is " + std::to_string(scanner.too_long_bytes()) +
                                   " bytes long, over the 64 KiB limit";
        if (options_.strict) return std::unexpected(LineError(path, scanner.line_number(), reason));
        report.Malformed(scanner.line_number(), reason);
        continue;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      const ingest::LineVerdict verdict = parser.Parse(line, record);
      // An unterminated last line may be half a line of a log still being written: not
      // malformed, not consumed; the next ingest of the grown file reads it whole. In a plain
      // file even one that parses ("... 200 20" of "... 200 2000") is held: it was stored
      // truncated, and the rest then read as a malformed line of its own (found by probing).
      // A held line that is all this run reads is read as it stands: the writer has finished it
      // (a file that ends without a newline would otherwise never be read whole). Still being
      // written then, it is stored as far as it goes; a log writer ends its lines.
      if (scanner.last_unterminated()) {
        const bool may_grow = path != "-" && !scanner.input().compressed();
        const bool held_before = outcome.kind == FileOutcome::Kind::kAppended && report.lines == 1;
        if ((verdict.error || may_grow) && !held_before) {
          scanner.HoldLastLine();
          --report.lines;
          outcome.held_last_line = true;
          continue;
        }
      }
      if (verdict.error) {
        if (options_.strict) {
          return std::unexpected(LineError(path, scanner.line_number(), verdict.error));
        }
        report.Malformed(scanner.line_number(), verdict.error);
        continue;
      }
      if (verdict.recovered) report.Recovered(scanner.line_number(), verdict.recovered);
      aggregator.Add(record);
      ++report.records;
    }
    progress.Finish();
    if (report.records == 0) {
      if (outcome.kind == FileOutcome::Kind::kAppended && report.malformed == 0) return {};
      return std::unexpected(NothingParsed(path, outcome.format, report));
    }
    return WriteAccessSeries(aggregator.Finish(outcome.dataset, known_endpoints), outcome);
  }

  Result<void> WriteAccessSeries(ingest::AccessSeries data, FileOutcome& outcome) {
    // Latency: merge this run's histograms with the stored ones, then rewrite the quantiles
    // of the touched buckets from the merged histograms.
    const std::string histogram_key = outcome.dataset + ":latency_seconds";
    std::map<TimePoint, LogHistogram> merged;
    if (!data.latency_histograms.empty()) {
      const Duration step = options_.step.value_or(std::chrono::minutes(1));
      auto stored = store_.ReadBlobs(histogram_key, data.latency_histograms.front().first,
                                     data.latency_histograms.back().first + step);
      if (!stored) return std::unexpected(stored.error());
      for (auto& [t, blob] : *stored) {
        auto h = LogHistogram::Deserialize(blob);
        if (!h) return std::unexpected(h.error().WithContext(histogram_key));
        merged[t] = std::move(*h);
      }
      std::vector<std::pair<TimePoint, std::string>> blobs;
      for (auto& [t, h] : data.latency_histograms) {
        merged[t].Merge(h);
        blobs.emplace_back(t, merged[t].Serialize());
      }
      if (auto ok = store_.WriteBlobs(histogram_key, blobs); !ok) return ok;
    }
    for (auto& out : data.series) {
      if (out.id.name == histogram_key) {
        const double q = std::stod(out.id.labels.at("quantile"));
        for (size_t i = 0; i < out.series.size(); ++i) {
          if (auto it = merged.find(out.series.TimeAt(i)); it != merged.end()) {
            out.series.values[i] = it->second.Quantile(q);
          }
        }
      }
      auto ok = store_.WriteSeries(out.id, out.series,
                                   out.additive ? store::MergeMode::kAdd : store::MergeMode::kReplace,
                                   out.unit);
      if (!ok) return std::unexpected(ok.error().WithContext(Shown(outcome.path)));
      NoteSpan(out.id, out.series, outcome);
    }
    return {};
  }

  Result<void> IngestMetrics(LineScanner& scanner, FileOutcome& outcome) {
    // Metric exports are snapshots: parse the whole content; values replace what is stored,
    // so reading a grown file again is harmless.
    const std::string& path = outcome.path;
    auto content = ReadAll(scanner, outcome);
    if (!content) return std::unexpected(content.error());
    ingest::MetricParseOptions parse_options{.strict = options_.strict,
                                             .default_offset = options_.default_offset,
                                             .default_time = clock_.Now()};
    ingest::ParseReport& report = outcome.report;
    Result<std::vector<ingest::MetricSeries>> parsed = Fail(ErrorCode::kInternal, "no parser");
    switch (outcome.format) {
      case Format::kCsv: parsed = ingest::ParseCsvMetrics(*content, parse_options, report); break;
      case Format::kPromJson: parsed = ingest::ParsePromJson(*content, parse_options, report); break;
      case Format::kPromText: parsed = ingest::ParsePromText(*content, parse_options, report); break;
      default: break;
    }
    if (!parsed) return std::unexpected(parsed.error().WithContext(Shown(path)));
    outcome.outage_missing = ingest::MaskOutageRows(*parsed);
    const bool prefix = outcome.format == Format::kCsv || !options_.name.empty();
    for (const auto& metric : *parsed) {
      // A column or metric with no value at all (text, or only NaN) would be a series of no
      // points, listed from 1970.
      if (std::all_of(metric.samples.begin(), metric.samples.end(),
                      [](const Sample& s) { return std::isnan(s.value); })) {
        continue;
      }
      const Duration native = NativeStep(metric.samples);
      const Duration step = options_.step.value_or(native);
      Series series = BucketSamples(metric.samples, step, options_.metric_aggregation);
      SeriesId id{prefix ? outcome.dataset + ":" + metric.name : metric.name, metric.labels};
      NoteCombined(id, metric.samples, step == native ? step : Duration{0}, outcome);
      if (outcome.kind == FileOutcome::Kind::kNew && !rewritten_export_) {
        auto replaced = CountDiffering(id, series);
        if (!replaced) return std::unexpected(replaced.error().WithContext(Shown(path)));
        if (*replaced > 0) outcome.replaced.emplace_back(id, *replaced);
      }
      auto ok = store_.WriteSeries(id, series, store::MergeMode::kReplace, "");
      if (!ok) return std::unexpected(ok.error().WithContext(Shown(path)));
      NoteSpan(id, series, outcome);
    }
    return {};
  }

  // What bucketing `samples` combined silently (see FileOutcome::combined). `own_step`: the
  // series' own step when it is the bucket (a coarser --step combines on purpose), else 0.
  void NoteCombined(const SeriesId& id, std::span<const Sample> samples, Duration own_step,
                    FileOutcome& outcome) const {
    const std::string shown = FormatSeriesId(id.name, id.labels);
    const CombinedSamples c =
        DescribeCombinedSamples(samples, own_step, options_.metric_aggregation);
    for (const std::string* sentence : {&c.repeated_times, &c.shared_steps}) {
      if (!sentence->empty()) outcome.combined.push_back(shown + ": " + *sentence);
    }
  }

  // Stored values of `id` that `series` would replace with a different one. Values equal to
  // 1e-9 relative are the same export read again under another name, not a conflict.
  Result<size_t> CountDiffering(const SeriesId& id, const Series& series) {
    if (series.empty()) return 0;
    auto info = store_.Describe(id);
    if (!info) {
      if (info.error().code() == ErrorCode::kNotFound) return 0;
      return std::unexpected(info.error());
    }
    if (info->step != series.step) return 0;  // WriteSeries refuses it, naming both steps
    auto stored =
        store_.ReadSeries(id, series.start, series.TimeAt(series.size() - 1) + series.step);
    if (!stored) return std::unexpected(stored.error());
    size_t differing = 0;
    for (size_t i = 0; i < series.size(); ++i) {
      const double v = series.values[i];
      if (std::isnan(v)) continue;
      const Duration offset = series.TimeAt(i) - stored->start;
      if (offset < Duration{0} || offset % stored->step != Duration{0}) continue;
      const auto j = static_cast<size_t>(offset / stored->step);
      if (j >= stored->size()) continue;
      const double old = stored->values[j];
      if (!std::isnan(old) && std::fabs(old - v) > 1e-9 * std::max(std::fabs(old), std::fabs(v))) {
        ++differing;
      }
    }
    return differing;
  }

  Result<std::string> ReadAll(LineScanner& scanner, FileOutcome& outcome) {
    std::string content;
    std::string_view line;
    ProgressBar progress(clock_, "ingest " + Shown(outcome.path), scanner.input().raw_size(),
                         options_.progress);
    for (;;) {
      auto status = scanner.Next(line);
      if (!status) return std::unexpected(status.error());
      if (*status == LineScanner::Status::kEnd) break;
      if (*status == LineScanner::Status::kTooLong) {
        return Fail(ErrorCode::kInvalidArgument,
                    Shown(outcome.path) + ":" + std::to_string(scanner.line_number()) +
                        ": line is " + std::to_string(scanner.too_long_bytes()) +
                        " bytes long, over the 64 KiB limit");
      }
      content.append(line);
      content += '\n';
      if ((scanner.line_number() & 0xffff) == 0) progress.Update(scanner.input().raw_position());
    }
    return content;
  }

  // The span of the steps with a value (missing ones at either end are not stored, and the
  // summary would otherwise name a time the dataset line does not).
  static void NoteSpan(const SeriesId& id, const Series& s, FileOutcome& outcome) {
    size_t lo = 0, hi = s.size();
    while (lo < hi && std::isnan(s.values[lo])) ++lo;
    while (hi > lo && std::isnan(s.values[hi - 1])) --hi;
    if (lo == hi) return;
    const bool first = outcome.written.empty();
    if (first || s.TimeAt(lo) < outcome.first) outcome.first = s.TimeAt(lo);
    if (first || s.TimeAt(hi - 1) > outcome.last) outcome.last = s.TimeAt(hi - 1);
    outcome.written.push_back(id);
  }

  const IngestOptions& options_;
  const Clock& clock_;
  store::Store& store_;
  bool rewritten_export_ = false;  // the file being read is a stored source's path
};

}  // namespace

std::string DefaultDatasetName(const std::string& path) {
  if (path == "-") return "stdin";
  std::string name = std::filesystem::path(path).filename().string();
  for (const char* ext : {".gz", ".log", ".csv", ".json", ".txt", ".prom"}) {
    if (name.size() > std::strlen(ext) && name.ends_with(ext)) {
      name.resize(name.size() - std::strlen(ext));
    }
  }
  for (char& c : name) {
    if (c == ' ' || c == ':' || c == '{' || c == '}' || c == '"') c = '_';
  }
  return name.empty() ? "data" : name;
}

Result<IngestOutcome> RunIngest(const IngestOptions& options, const Clock& clock) {
  // A database this run creates is removed again when the run fails: an empty file left behind
  // made the next `series list` say "no series" instead of "no such database".
  std::error_code ec;
  const bool created = !std::filesystem::exists(options.db_path, ec);
  auto opened = store::Store::Open(options.db_path);
  if (!opened) return std::unexpected(opened.error());
  struct RemoveIfFailed {
    std::unique_ptr<store::Store>* store;
    std::string path;
    bool armed;
    ~RemoveIfFailed() {
      if (!armed) return;
      store->reset();  // close it first
      std::error_code ignored;
      for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
        std::filesystem::remove(path + suffix, ignored);
      }
    }
  } cleanup{&*opened, options.db_path, created};
  store::Store& store = **opened;
  if (auto ok = store.Begin(); !ok) return std::unexpected(ok.error());
  Ingester ingester(options, clock, store);
  IngestOutcome outcome;
  for (const auto& path : options.paths) {
    auto file = ingester.IngestFile(path);
    if (!file) return std::unexpected(file.error());  // the store rolls back on destruction
    auto dataset = std::find_if(outcome.datasets.begin(), outcome.datasets.end(),
                                [&](const auto& d) { return d.first == file->dataset; });
    if (dataset == outcome.datasets.end()) {
      dataset = outcome.datasets.insert(outcome.datasets.end(), {file->dataset, {}});
    }
    for (const SeriesId& id : file->written) {
      if (std::find_if(dataset->second.begin(), dataset->second.end(), [&](const SeriesId& s) {
            return s.name == id.name && s.labels == id.labels;
          }) == dataset->second.end()) {
        dataset->second.push_back(id);
      }
    }
    outcome.files.push_back(std::move(*file));
  }
  if (auto ok = store.Commit(); !ok) return std::unexpected(ok.error());
  cleanup.armed = false;
  return outcome;
}

}  // namespace forescale::app
