#include "app/timeline_csv.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iterator>

#include "core/output_file.h"
#include "core/time.h"

namespace forescale::app {

Result<void> WriteTimelineCsv(const sim::Timeline& t, const std::string& path) {
  const std::string tmp = StagingPathFor(path);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Fail(ErrorCode::kIo, path + ": cannot write");
  std::string header =
      "time,demand,served,dropped,replicas_desired,replicas_ready,replicas_running,utilisation,"
      "cpu,p95_latency_ms,cost";
  for (size_t r = 1; r < t.resources.size(); ++r) {
    const std::string& n = t.resources[r].name;
    header += fmt::format(",{0}_desired,{0}_ready,{0}_cpu", n);
  }
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "{}\n", header);
  const double dt = std::chrono::duration<double>(t.step).count();
  double cost = 0;
  const sim::ResourceTimeline& front = t.resources[0];
  bool ok = true;
  for (size_t i = 0; i < t.size(); ++i) {
    for (const auto& rt : t.resources)
      cost += rt.running[i] * dt / 3600.0 * rt.price_per_replica_hour;
    const double target_capacity = front.ready[i] * front.capacity_rps * front.target_utilisation;
    fmt::format_to(std::back_inserter(buf),
                   "{},{:.6g},{:.6g},{:.6g},{},{},{},{:.4g},{:.4g},{:.4g},{:.6g}",
                   FormatRfc3339(t.TimeAt(i)), t.demand[i], t.served[i], t.dropped[i],
                   front.desired[i], front.ready[i], front.running[i],
                   target_capacity > 0 ? front.served[i] / target_capacity : 0.0, front.cpu[i],
                   t.latency_p95[i] * 1000.0, cost);
    for (size_t r = 1; r < t.resources.size(); ++r) {
      const auto& rt = t.resources[r];
      fmt::format_to(std::back_inserter(buf), ",{},{},{:.4g}", rt.desired[i], rt.ready[i],
                     rt.cpu[i]);
    }
    buf.push_back('\n');
    if (buf.size() > (1 << 20)) {
      ok &= std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
      buf.clear();
    }
  }
  ok &= std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
  ok &= std::fclose(f) == 0;
  return FinishOutput(tmp, path, ok);
}

Result<void> WriteDecisionsCsv(const sim::Timeline& t, const std::string& path) {
  const std::string tmp = StagingPathFor(path);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Fail(ErrorCode::kIo, path + ": cannot write");
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "time,resource,from,to,reason\n");
  for (const sim::DecisionRecord& d : t.decisions) {
    std::string reason = d.reason;
    // RFC 4180: the reason is quoted, its quotes doubled.
    for (size_t at = reason.find('"'); at != std::string::npos; at = reason.find('"', at + 2)) {
      reason.insert(at, 1, '"');
    }
    const std::string& resource =
        d.resource >= 0 && static_cast<size_t>(d.resource) < t.resources.size()
            ? t.resources[static_cast<size_t>(d.resource)].name
            : std::to_string(d.resource);
    fmt::format_to(std::back_inserter(buf), "{},{},{},{},\"{}\"\n", FormatRfc3339(d.time),
                   resource, d.from, d.to, reason);
  }
  bool ok = std::fwrite(buf.data(), 1, buf.size(), f) == buf.size();
  ok &= std::fclose(f) == 0;
  return FinishOutput(tmp, path, ok);
}

}  // namespace forescale::app
