// The generated agreement suite: generate the cases from their seeds, run ONNX Runtime once over all of them, run
// each through Systole, print a per-family table and one reproduction line per failing case.
#include "tests/e2e/agreement/suite.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

#include "tests/e2e/agreement/suite.hpp"

namespace fs = std::filesystem;

namespace systole::agreement {
namespace {

int sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}

std::string shell_arg(const fs::path& p) {
  return "'" + p.string() + "'";
}

struct FamilyStats {
  std::size_t cases = 0;
  std::size_t failed = 0;  // cases that are not exact on some backend, or could not be compared
  std::size_t values = 0;  // per backend (the same count for both)
  std::size_t exact_functional = 0;
  std::size_t exact_systemc = 0;
  bool ort_float = false;
};

double share(std::size_t part, std::size_t whole) {
  return whole == 0 ? 100.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

// "<n> of <m> values differ, first at ...", naming the backends that differ.
std::string difference_text(const CaseResult& r) {
  if (!r.failure.empty()) return r.failure;
  std::string text;
  for (const auto& b : r.backends) {
    if (b.differ == 0) continue;
    if (!text.empty()) text += "; ";
    text += std::to_string(b.differ) + " of " + std::to_string(b.values) + " values differ on " + b.backend + ", " +
            b.first_diff;
  }
  return text;
}

void print_table(const std::map<std::string, FamilyStats>& families) {
  std::printf("\n%-38s %6s %6s %9s %12s %12s\n", "family", "cases", "failed", "values", "exact func", "exact sysc");
  FamilyStats all;
  for (const auto& [name, s] : families) {
    std::printf("%-38s %6zu %6zu %9zu %11.3f%% %11.3f%%\n", name.c_str(), s.cases, s.failed, s.values,
                share(s.exact_functional, s.values), share(s.exact_systemc, s.values));
    all.cases += s.cases;
    all.failed += s.failed;
    all.values += s.values;
    all.exact_functional += s.exact_functional;
    all.exact_systemc += s.exact_systemc;
  }
  std::printf("%-38s %6zu %6zu %9zu %11.3f%% %11.3f%%\n", "all", all.cases, all.failed, all.values,
              share(all.exact_functional, all.values), share(all.exact_systemc, all.values));
}

}  // namespace

int run_suite(const SuiteOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path dir = o.work / "agreement" / (std::to_string(o.first) + "_" + std::to_string(o.count));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path gen = o.source / "tests" / "e2e" / "agreement" / "gen_cases.py";
  if (sh(shell_arg(o.python) + " " + shell_arg(gen) + " --first " + std::to_string(o.first) + " --count " +
         std::to_string(o.count) + " --out " + shell_arg(dir)) != 0) {
    std::cerr << "ort_agreement: the case generator failed (see above)\n";
    return 1;
  }
  // One node process for every case; a case ORT cannot run leaves case_<seed>.ort.error.txt and fails below.
  const fs::path log = dir / "ort_log.txt";
  const int ort_rc = sh("NODE_PATH=" + shell_arg(o.work / "ort" / "node_modules") + " node " +
                        shell_arg(o.source / "tools" / "ort" / "run_ort_batch.js") + " " +
                        shell_arg(dir / "manifest.jsonl") + " > " + shell_arg(log) + " 2>&1");
  if (ort_rc > 1) {
    std::cerr << "ort_agreement: ONNX Runtime batch runner failed (exit " << ort_rc << "), see " << log << "\n";
    return 1;
  }
  const auto t_ort = std::chrono::steady_clock::now();

  const std::vector<CaseSpec> cases = read_manifest(dir / "manifest.jsonl");
  Devices devices;
  std::map<std::string, FamilyStats> families;
  std::vector<std::string> failures, float_path;
  const std::string repro = "ort_agreement " + o.source.string() + " " + o.work.string() + " --first ";
  for (const CaseSpec& c : cases) {
    const CaseResult r = run_case(c, dir, devices);
    FamilyStats& s = families[c.family];
    s.ort_float = c.ort_float;
    ++s.cases;
    if (!r.backends.empty()) {
      s.values += r.backends.front().values;
      for (const auto& b : r.backends) {
        (b.backend == "functional" ? s.exact_functional : s.exact_systemc) += b.values - b.differ;
      }
    }
    if (r.exact()) continue;
    ++s.failed;
    const std::string line = repro + std::to_string(c.seed) + " --count 1  # " + c.desc + ": " + difference_text(r);
    // ORT computes int8-activation QDQ Conv/MatMul in float on x86: a documented difference, not a failure; a case
    // Systole cannot import or run is a failure whatever ORT does.
    (c.ort_float && r.failure.empty() ? float_path : failures).push_back(line);
  }
  const auto t_end = std::chrono::steady_clock::now();

  print_table(families);
  for (const auto& [name, s] : families) {
    if (s.ort_float) {
      std::printf(
          "ORT float path (%s): %.3f%% of %zu values exact on functional, %.3f%% on systemc; %zu of %zu cases "
          "differ (not a failure: ORT runs these in float on x86)\n",
          name.c_str(), share(s.exact_functional, s.values), s.values, share(s.exact_systemc, s.values), s.failed,
          s.cases);
    }
  }
  for (const auto& l : float_path) std::cout << "ORT float path: " << l << "\n";
  const auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("%zu cases (seeds %lld..%lld): generate + ONNX Runtime %.1f s, Systole (functional + systemc) %.1f s\n",
              cases.size(), static_cast<long long>(o.first), static_cast<long long>(o.first + o.count - 1),
              secs(t0, t_ort), secs(t_ort, t_end));
  if (static_cast<std::int64_t>(cases.size()) != o.count) {
    std::cout << "FAILED: the manifest holds " << cases.size() << " cases, expected " << o.count << "\n";
    return 1;
  }
  if (failures.empty()) {
    std::cout << "PASSED: every value equals ONNX Runtime's on both backends (outside the ORT float path)\n";
    return 0;
  }
  std::cout << "FAILED: " << failures.size() << " cases differ from ONNX Runtime; reproduce each with:\n";
  for (const auto& l : failures) std::cout << l << "\n";
  return 1;
}

}  // namespace systole::agreement
