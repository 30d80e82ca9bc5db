#include "perf/explore/sweep.hpp"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "perf/baselines/bench.hpp"
#include "perf/explore/evaluate.hpp"
#include "perf/explore/record.hpp"
#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::explore {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Points done out of the total, with the time left at the rate so far: a bar on a terminal, else a line per tenth
// (batch logs, Slurm) once the sweep has run for a few seconds.
class Progress {
 public:
  explicit Progress(std::uint64_t total) : total_(total), tty_(::isatty(STDERR_FILENO) != 0) {}

  void update(std::uint64_t done, std::uint64_t computed) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const bool last = done >= total_;
    if (tty_) {
      if (elapsed - drawn_ < 0.1 && !last) return;
    } else {
      const std::uint64_t tenth = total_ ? 10 * done / total_ : 10;
      if (elapsed < 5.0 || tenth == tenth_ || last) return;
      tenth_ = tenth;
    }
    drawn_ = elapsed;
    // Time left from the rate of the records computed in this run (resumed ones cost nothing).
    const double rate = elapsed > 0 ? static_cast<double>(computed) / elapsed : 0;
    const std::string left =
        rate > 0 ? std::to_string(static_cast<long long>(static_cast<double>(total_ - done) / rate + 0.5)) + " s left"
                 : std::string("time left not known yet");
    constexpr int kWidth = 30;
    const int filled = total_ ? static_cast<int>(kWidth * done / total_) : kWidth;
    std::fprintf(stderr, "%s[%s%s] %llu/%llu network-points, %.1f s elapsed, %s%s", tty_ ? "\r" : "",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(kWidth - filled), ' ').c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), elapsed, left.c_str(),
                 tty_ ? "   " : "\n");
    if (tty_ && last) std::fprintf(stderr, "\n");
  }

 private:
  std::uint64_t total_;
  bool tty_;
  Clock::time_point start_ = Clock::now();
  double drawn_ = -1;
  std::uint64_t tenth_ = 0;
};

// Counters the workers share with the parent (an anonymous shared mapping survives fork).
struct Shared {
  std::atomic<std::uint64_t> done{0}, computed{0}, skipped{0}, resumed{0};
};

struct Work {
  const SweepSpec& spec;
  const fs::path& out;
  std::vector<std::uint64_t> points;            // this shard's point indices
  std::vector<std::set<std::string>> existing;  // per network: the points with a record already
};

// Evaluates the points of `work` whose ordinal is `worker` modulo `workers`.
// `tick` runs after each point (the single-process sweep draws its progress there).
void run_worker(Evaluator& evaluator, const Work& work, std::size_t worker, std::size_t workers, Shared& shared,
                const std::function<void()>& tick = {}) {
  const std::size_t nets = evaluator.network_count();
  for (std::size_t i = worker; i < work.points.size(); i += workers) {
    const Point pt = make_point(work.spec, work.points[i]);
    fs::path toml;
    std::string skip = pt.skipped;
    if (skip.empty() && work.spec.level != Level::kEstimate) {  // timed levels open their device with this file
      toml = work.out / "points" / (pt.id + ".toml");
      if (!fs::exists(toml)) isa::write_file_atomic(toml, arch_toml(pt.arch.params), "point config");
      skip = evaluator.unsupported(pt, toml);
    }
    if (!skip.empty()) {
      const fs::path file = skipped_path(work.out, pt.id);
      if (!fs::exists(file)) isa::write_file_atomic(file, skipped_json(pt.id, pt.coords, skip).dump(1), "skip");
      shared.skipped += 1;
      shared.done += nets;
      if (tick) tick();
      continue;
    }
    for (std::size_t n = 0; n < nets; ++n) {
      if (work.existing[n].count(pt.id)) {
        shared.resumed += 1;
      } else {
        Record r;
        try {
          r = evaluator.evaluate(n, pt, toml);
        } catch (const UserError& e) {
          std::string where;
          for (const auto& [k, v] : pt.coords) where += (where.empty() ? "" : ", ") + k + " = " + v;
          throw UserError("network " + evaluator.network_name(n) + " at point " + pt.id + " (" + where +
                          "): " + e.what());
        }
        isa::write_file_atomic(record_path(work.out, r.network, r.point), record_json(r).dump(1) + "\n",
                               "sweep record");
        shared.computed += 1;
      }
      shared.done += 1;
    }
    if (tick) tick();
  }
}

// Forks `jobs` workers; the parent draws progress until all have exited. A failed worker has printed its error.
void run_forked(Evaluator& evaluator, const Work& work, int jobs, Shared& shared, Progress& progress,
                std::uint64_t total) {
  std::vector<pid_t> pids;
  for (int j = 0; j < jobs; ++j) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw UserError("--jobs " + std::to_string(jobs) + ": cannot start a worker process");
    if (pid == 0) {
      int status = 0;
      try {
        run_worker(evaluator, work, static_cast<std::size_t>(j), static_cast<std::size_t>(jobs), shared);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "systole: error: sweep worker %d: %s\n", j + 1, e.what());
        status = 1;
      }
      std::fflush(nullptr);
      ::_exit(status);
    }
    pids.push_back(pid);
  }
  int failed = 0;
  std::size_t running = pids.size();
  while (running > 0) {
    for (pid_t& pid : pids) {
      int raw = 0;
      if (pid > 0 && ::waitpid(pid, &raw, WNOHANG) == pid) {
        failed += !(WIFEXITED(raw) && WEXITSTATUS(raw) == 0);
        pid = -1;
        --running;
      }
    }
    progress.update(std::min(shared.done.load(), total), shared.computed.load());
    if (running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (failed) {
    throw UserError(std::to_string(failed) + " of " + std::to_string(jobs) +
                    " sweep workers failed (their errors are above); the records written are kept, and running the "
                    "same command again resumes");
  }
}

}  // namespace

SweepSummary run_sweep(const SweepOptions& o) {
  if (o.jobs < 1 || o.jobs > 1024) throw UserError("--jobs " + std::to_string(o.jobs) + ": expected 1 to 1024");
  const SweepSpec spec = read_sweep_spec(o.spec);
  std::error_code ec;
  if (fs::exists(o.out, ec) && !fs::is_directory(o.out, ec)) {
    throw UserError("-o " + o.out.string() + ": exists and is not a folder");
  }
  Evaluator evaluator(spec);
  Work work{spec, o.out, {}, {}};
  SweepSummary s;
  s.points = spec.point_count();
  for (std::uint64_t i = o.shard.k - 1; i < s.points; i += o.shard.n) work.points.push_back(i);
  s.owned = work.points.size();
  const auto make_dir = [](const fs::path& dir) {
    std::error_code mk;
    fs::create_directories(dir, mk);
    if (mk) throw UserError("-o: cannot create " + dir.string() + ": " + mk.message());
  };
  for (const char* sub : {"records", "skipped", "points", "baselines"}) make_dir(o.out / sub);
  for (std::size_t n = 0; n < evaluator.network_count(); ++n) {
    const fs::path dir = o.out / "records" / evaluator.network_name(n);
    make_dir(dir);
    std::set<std::string> have;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".json") have.insert(e.path().stem().string());
    }
    work.existing.push_back(std::move(have));
  }

  const std::uint64_t total = s.owned * evaluator.network_count();
  Progress progress(total);
  void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw InternalError("run_sweep: mmap of the shared counters failed");
  Shared* shared = new (mem) Shared;
  const auto start = Clock::now();
  try {
    const int jobs = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(o.jobs), s.owned));
    if (jobs <= 1) {
      // In this process, drawing progress between points.
      run_worker(evaluator, work, 0, 1, *shared,
                 [&] { progress.update(shared->done.load(), shared->computed.load()); });
    } else {
      run_forked(evaluator, work, jobs, *shared, progress, total);
    }
  } catch (...) {
    ::munmap(mem, sizeof(Shared));
    throw;
  }
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  s.evaluated = shared->computed.load();
  s.resumed = shared->resumed.load();
  s.skipped = shared->skipped.load();
  ::munmap(mem, sizeof(Shared));

  // Baselines after the workers: oneDNN's OpenMP threads must not exist when workers fork.
  if (o.shard.k == 1) {
    for (const auto& net : spec.networks) {
      for (const std::string& b : spec.baselines) {
        const fs::path file = baseline_path(o.out, net.stem().string(), b);
        if (fs::exists(file)) continue;
        bench::BenchOptions bo;
        bo.model = net;
        bo.baseline = b;
        bo.repeat = spec.bench_repeat;
        bo.threads = spec.bench_threads;
        const nlohmann::json j = bench::run_bench(bo);
        BaselineRecord r;
        r.network = net.stem().string();
        r.baseline = b;
        r.batch = j.at("batch").get<std::uint64_t>();
        r.threads = j.at("threads").get<int>();
        r.median_ms = j.at("median_ms").get<double>();
        r.throughput_per_s = j.at("throughput_per_s").get<double>();
        r.gops = j.at("gops").get<double>();
        r.device = j.at("device").get<std::string>();
        isa::write_file_atomic(file, baseline_json(r).dump(1) + "\n", "baseline record");
        ++s.baselines;
      }
    }
  }
  return s;
}

}  // namespace systole::explore
