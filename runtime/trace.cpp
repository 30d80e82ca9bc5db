#include <algorithm>
#include <bitset>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/cycle/timing.hpp"
#include "systole/runtime.hpp"

namespace systole {

std::string chrome_trace(const std::vector<TraceSlice>& timeline, double clock_mhz) {
  nlohmann::json events = nlohmann::json::array();
  const char* tracks[] = {"dispatch", "load", "compute", "store"};
  for (int tid = 0; tid < 4; ++tid) {
    events.push_back(
        {{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", tid}, {"args", {{"name", tracks[tid]}}}});
  }
  for (const TraceSlice& s : timeline) {
    int tid = 0;
    for (int i = 0; i < 4; ++i) {
      if (s.unit == tracks[i]) tid = i;
    }
    events.push_back({{"name", s.name},
                      {"cat", s.opcode},
                      {"ph", "X"},
                      {"pid", 0},
                      {"tid", tid},
                      {"ts", static_cast<double>(s.start) / clock_mhz},
                      {"dur", static_cast<double>(s.end - s.start) / clock_mhz},
                      {"args", {{"pc", s.pc}, {"start_cycle", s.start}, {"end_cycle", s.end}}}});
  }
  return nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ns"}}.dump();
}

}  // namespace systole

namespace systole {

std::string queue_vcd(const std::vector<QueueSample>& samples) {
  // One 32-bit integer signal per queue; identifiers are the printable characters from '!'.
  std::ostringstream out;
  out << "$version Systole SystemC model (sim/cycle) $end\n$timescale 1ns $end\n";
  out << "$scope module systole $end\n";
  for (int q = 0; q < sim::kQueueCount; ++q) {
    out << "$var integer 32 " << static_cast<char>('!' + q) << ' ' << sim::queue_name(q) << " $end\n";
  }
  out << "$upscope $end\n$enddefinitions $end\n";
  std::vector<QueueSample> sorted = samples;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.cycle < b.cycle; });
  std::uint64_t now = UINT64_MAX;
  for (const QueueSample& s : sorted) {
    if (s.cycle != now) {
      now = s.cycle;
      out << '#' << now << '\n';
    }
    out << 'b' << std::bitset<32>(s.value).to_string() << ' ' << static_cast<char>('!' + s.queue) << '\n';
  }
  return out.str();
}

std::string layer_table(const RunResult& result, const isa::ArchConfig& arch) {
  const double pes = static_cast<double>(arch.rows() * arch.cols());
  std::ostringstream out;
  char line[320];
  std::snprintf(line, sizeof line, "%-32s %12s %12s %7s %6s %6s %6s %6s  %-30s %12s\n", "layer", "cycles", "estimate",
                "est/sim", "util", "load", "comp", "store", "largest stall (unit.cause share)", "dram bytes");
  out << line;
  for (const LayerCounters& l : result.layers) {
    const auto get = [&](const std::string& k) {
      const auto it = l.counters.find(k);
      return it == l.counters.end() ? std::uint64_t{0} : it->second;
    };
    const std::uint64_t cycles = get("cycles");
    const double cyc = cycles ? static_cast<double>(cycles) : 1.0;
    std::string stall = "-";
    std::uint64_t worst = 0;
    for (const char* unit : {"load", "compute", "store"}) {
      for (const char* cause : {"token", "queue_full", "dram", "bank_conflict"}) {
        const std::uint64_t v = get(std::string(unit) + ".stall." + cause + "_cycles");
        if (v > worst) {
          worst = v;
          char buf[64];
          std::snprintf(buf, sizeof buf, "%s.%s %.2f", unit, cause, static_cast<double>(v) / cyc);
          stall = buf;
        }
      }
    }
    std::string name = l.name.size() > 32 ? "..." + l.name.substr(l.name.size() - 29) : l.name;
    std::snprintf(
        line, sizeof line, "%-32s %12llu %12llu %7.2f %5.1f%% %6.2f %6.2f %6.2f  %-30s %12llu\n", name.c_str(),
        static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(get("estimate_cycles")),
        static_cast<double>(get("estimate_cycles")) / cyc, 100.0 * static_cast<double>(get("macs")) / (cyc * pes),
        static_cast<double>(get("load.busy_cycles")) / cyc, static_cast<double>(get("compute.busy_cycles")) / cyc,
        static_cast<double>(get("store.busy_cycles")) / cyc, stall.c_str(),
        static_cast<unsigned long long>(get("dram.read_bytes") + get("dram.write_bytes")));
    out << line;
  }
  return out.str();
}

}  // namespace systole
