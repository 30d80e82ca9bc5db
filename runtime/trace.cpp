#include <nlohmann/json.hpp>

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
