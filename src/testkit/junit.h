// junit.xml: the assertions of a predictive-scaling test as JUnit test cases, so that CI systems
// (GitLab, Jenkins, GitHub test reporters) show which scaling promise broke.
//
// Layout: <testsuites> with one <testsuite> per scenario (name = scenario name, time = wall
// seconds, <properties> with the scenario file, seed, repetitions and test window), one
// <testcase> per assertion (name = the expression as written, classname = scenario name) with a
// <failure message="..."> when it did not hold, and a <system-out> holding the verdict and the
// summary table. A scenario without assertions is a suite with no test cases. Everything is
// escaped; invalid UTF-8 becomes U+FFFD, so the file always parses.
//
// The write is atomic (PATH.tmp, then rename). Thread-compatible: no shared state.
//
//   if (auto ok = WriteJunit(results, out_dir + "/junit.xml"); !ok) return ok;
#pragma once

#include <span>
#include <string>

#include "core/error.h"
#include "testkit/results.h"

namespace forescale::testkit {

std::string JunitXml(std::span<const ScenarioResults> scenarios);
Result<void> WriteJunit(std::span<const ScenarioResults> scenarios, const std::string& path);
Result<void> WriteJunit(const ScenarioResults& results, const std::string& path);

}  // namespace forescale::testkit
