// The event-count energy model: energy = MACs x e_mac + bytes per on-chip memory x e_sram(bank size) + DRAM bytes x
// e_dram + idle PE-cycles x e_idle, with the per-event energies of one technology from a data file
// (perf/explore/energy.toml) that cites its source.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "perf/explore/record.hpp"

namespace systole::explore {

struct Technology {
  std::string name, description, source, assumptions;
  double mac_pj = 0, dram_pj_per_byte = 0, idle_pj_per_pe_cycle = 0;
  std::vector<std::pair<double, double>> sram;  // (KiB, pJ per byte), ascending sizes

  // pJ per byte of an SRAM of `kib` KiB: log-log interpolation between the table's sizes, constant outside.
  double sram_pj_per_byte(double kib) const;
};

// Every technology of an energy file; bad files are UserErrors naming the file and the key.
std::vector<Technology> read_energy_file(const std::filesystem::path& file);
// perf/explore/energy.toml in the source tree while it exists, else <prefix>/share/systole/explore/energy.toml.
std::filesystem::path default_energy_file();

// Energy of one record's run (all `batch` inferences), in pJ.
struct Energy {
  double mac = 0, sram = 0, dram = 0, idle = 0;
  double total() const { return mac + sram + dram + idle; }
};
Energy energy(const Record& r, const Technology& t);

}  // namespace systole::explore
