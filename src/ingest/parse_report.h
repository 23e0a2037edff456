// What a parser says about the lines it could not use.
//
// Parsers never stop on a bad line unless asked (`strict`): they count it, keep the first few
// with line number and reason for the user, and carry on. `recovered` lines were damaged but
// their data was kept (e.g. an access-log line whose user agent lost its closing quote).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace forescale::ingest {

struct LineIssue {
  uint64_t line = 0;  // 1-based line number in the (decompressed) input
  std::string reason;
};

struct ParseReport {
  static constexpr size_t kKeptIssues = 10;

  uint64_t lines = 0;      // lines seen, blank ones included
  uint64_t records = 0;    // lines that became data
  uint64_t malformed = 0;  // lines skipped
  uint64_t recovered = 0;  // lines kept despite damage
  std::vector<LineIssue> first_malformed;
  std::vector<LineIssue> first_recovered;

  void Malformed(uint64_t line, std::string reason) {
    ++malformed;
    if (first_malformed.size() < kKeptIssues) first_malformed.push_back({line, std::move(reason)});
  }
  void Recovered(uint64_t line, std::string reason) {
    ++recovered;
    if (first_recovered.size() < kKeptIssues) first_recovered.push_back({line, std::move(reason)});
  }
};

}  // namespace forescale::ingest
