// The backends a test written once runs on: every one this build has that can run programs for the config.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "systole/error.hpp"
#include "systole/runtime.hpp"

namespace systole::test {

// functional and systemc always; rtl where the build has it and a model was verilated for `arch` (hw/verif), which
// Device::open checks. xrt needs a board.
inline const std::vector<std::string>& backends_for(const std::string& arch) {
  static std::map<std::string, std::vector<std::string>> cache;
  auto [it, added] = cache.try_emplace(arch);
  if (added) {
    it->second = {"functional", "systemc"};
    try {
      Device::open("rtl", {.arch = arch});
      it->second.push_back("rtl");
    } catch (const UserError&) {
    }
  }
  return it->second;
}

}  // namespace systole::test
