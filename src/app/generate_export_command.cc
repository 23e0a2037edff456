#include "app/generate_export_command.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "app/output_paths.h"
#include "core/output_file.h"

namespace forescale::app {
namespace {

Result<void> WriteText(const std::string& path, const std::string& text) {
  if (path != "-") return WriteOutputFile(path, text);
  const bool ok = std::fwrite(text.data(), 1, text.size(), stdout) == text.size();
  if (!ok || std::fflush(stdout) != 0) return Fail(ErrorCode::kIo, "<stdout>: write failed");
  return {};
}

// load.sh -> load.targets; plan -> plan.targets.
std::filesystem::path TargetsPathFor(const std::string& script) {
  std::filesystem::path p(script);
  p.replace_extension(".targets");
  return p;
}

}  // namespace

Result<void> GenerateExportCommand(const GenerateExportOptions& options) {
  auto format = generate::ParseExportFormat(options.format);
  if (!format) return std::unexpected(format.error());
  if (options.out.empty()) return Fail(ErrorCode::kInvalidArgument, "--out: give a file, or - for stdout");
  if (auto ok = generate::CheckTarget(options.export_options.target); !ok) {
    return std::unexpected(ok.error().WithContext("--target"));
  }
  // One Scala method holds the whole injection profile, and the JVM caps a method's code: 2000
  // stages did not compile, 1500 did (found by probing).
  if (*format == generate::ExportFormat::kGatling &&
      options.compress.max_stages > generate::kMaxGatlingStages) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("--max-stages {}: a Gatling simulation holds at most {} (the JVM caps "
                            "the size of the method that lists them)",
                            options.compress.max_stages, generate::kMaxGatlingStages));
  }
  const bool vegeta_file = *format == generate::ExportFormat::kVegeta && options.out != "-";
  std::filesystem::path targets;
  if (vegeta_file) {
    targets = TargetsPathFor(options.out);
    if (targets == std::filesystem::path(options.out)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "--out " + options.out +
                      ": the Vegeta script would overwrite its own targets file (NAME.targets); "
                      "name the script NAME.sh");
    }
  }
  // An output over the profile replaced it with the script (found by probing).
  if (auto ok =
          CheckOutputsApart({{"--out", options.out},
                             {"the Vegeta targets file", vegeta_file ? targets.string() : ""}},
                            {options.profile_path});
      !ok) {
    return ok;
  }
  auto profile = generate::ReadProfileCsv(options.profile_path);
  if (!profile) return std::unexpected(profile.error());
  auto plan = generate::CompressProfile(*profile, options.compress);
  if (!plan) return std::unexpected(plan.error().WithContext(options.profile_path));

  generate::ExportOptions render = options.export_options;
  render.format = *format;
  if (vegeta_file) render.vegeta_targets_file = targets.filename().string();
  const std::string script = generate::RenderExport(*plan, render);
  if (!vegeta_file) {
    if (auto ok = WriteText(options.out, script); !ok) return ok;
  } else {
    // The script and its targets file, both or neither: a script had been left beside a
    // targets file that could not be written (found by probing).
    const std::string script_staging = StagingPathFor(options.out),
                      targets_staging = StagingPathFor(targets.string());
    auto write = [](const std::string& path, const std::string& text) {
      std::FILE* f = std::fopen(path.c_str(), "wb");
      if (!f) return false;
      const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
      return std::fclose(f) == 0 && written;
    };
    const bool ok = write(targets_staging, generate::RenderVegetaTargets(render)) &&
                    write(script_staging, script);
    if (!ok) {
      std::error_code ec;
      if (targets_staging != targets.string()) std::filesystem::remove(targets_staging, ec);
      if (script_staging != options.out) std::filesystem::remove(script_staging, ec);
      return Fail(ErrorCode::kIo, fmt::format("{} and {}: cannot write: {}", options.out,
                                              targets.string(), std::strerror(errno)));
    }
    if (auto done = FinishOutput(targets_staging, targets.string(), true); !done) return done;
    if (auto done = FinishOutput(script_staging, options.out, true); !done) return done;
    // The pacing plan is a script: make it executable like `chmod +x` would.
    std::error_code ec;
    std::filesystem::permissions(options.out,
                                 std::filesystem::perms::owner_exec | std::filesystem::perms::group_exec |
                                     std::filesystem::perms::others_exec,
                                 std::filesystem::perm_options::add, ec);
  }
  if (options.quiet) return {};
  fmt::print(stderr, "profile  {} points every {} from {}: {:.0f} requests, peak {:.4g} rps\n",
             profile->size(), FormatDuration(profile->step), FormatRfc3339(profile->start),
             plan->profile_requests, plan->profile_peak_rps);
  fmt::print(stderr,
             "stages   {} (at most {}): requests {:+.3f} %, peak {:+.3f} %, shape error {:.2f} % over {} windows\n",
             plan->stages.size(), options.compress.max_stages, 100 * plan->RequestError(),
             100 * plan->PeakError(), 100 * plan->shape_error, FormatDuration(plan->shape_window));
  // What the script sends, with its rates rounded as it writes them (whole requests per unit,
  // whole hits per Vegeta step): the plan's own error does not show that.
  const double sent = generate::ExportedRequests(*plan, render);
  const double sent_error =
      plan->profile_requests > 0 ? (sent - plan->profile_requests) / plan->profile_requests : 0.0;
  fmt::print(stderr, "script   sends {:.0f} requests: {:+.3f} % of the profile's\n", sent,
             100 * sent_error);
  if (std::abs(plan->RequestError()) > 0.01 || std::abs(plan->PeakError()) > 0.02) {
    fmt::print(stderr, "note     the plan misses the profile by more than 1 % (requests) or 2 % (peak): "
                       "allow more stages (--max-stages, 8 or more keep the peak)\n");
  } else if (std::abs(sent_error) > 0.01) {
    fmt::print(stderr,
               "note     the script's rounding of low rates misses the profile's requests by more "
               "than 1 %{}\n",
               *format == generate::ExportFormat::kVegeta
                   ? ": each Vegeta step ends on a whole hit; fewer, longer stages (--max-stages) "
                     "lose less"
                   : "");
  }
  fmt::print(stderr, "wrote    {} ({}){}\n", options.out == "-" ? "<stdout>" : options.out,
             generate::ExportFormatName(*format), vegeta_file ? " and " + targets.string() : "");
  return {};
}

std::function<std::optional<Result<void>>()> AddGenerateExportCommand(CLI::App& generate) {
  struct State {
    GenerateExportOptions options;
    CLI::App* cmd = nullptr;
  };
  auto s = std::make_shared<State>();
  s->cmd = generate.add_subcommand(
      "export", "Write a load-tool script (k6, Locust, Vegeta, Gatling) that replays a profile");
  CLI::App* cmd = s->cmd;
  auto& o = s->options;
  cmd->add_option("--profile", o.profile_path, "Profile CSV timestamp,rps from 'generate profile' (- is stdin)")
      ->required();
  cmd->add_option("--format", o.format, "k6 | locust | vegeta | gatling")->required();
  cmd->add_option("--target", o.export_options.target,
                  "URL the requests go to (the scripts also read $TARGET)")
      ->capture_default_str();
  cmd->add_option("--max-stages", o.compress.max_stages, "At most this many linear stages")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  cmd->add_option("--user-rps", o.export_options.user_rps,
                  "Locust: most requests per second per user (users = ceil(rps / this), each paced "
                  "at rps / users)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1e9));
  cmd->add_option("--out", o.out, "Script to write (- is stdout; Vegeta also writes NAME.targets)")
      ->capture_default_str();
  cmd->add_flag("--quiet", o.quiet, "No summary on stderr");
  return [s]() -> std::optional<Result<void>> {
    if (!s->cmd->parsed()) return std::nullopt;
    return GenerateExportCommand(s->options);
  };
}

}  // namespace forescale::app
