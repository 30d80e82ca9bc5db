// The arch-config reader: any text. An accepted config has a fingerprint and a functional machine can be built
// for it (its memories are bounded by the schema).
#include <cstdint>
#include <string>

#include "sim/isa/machine.hpp"
#include "systole/arch.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace systole;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    const isa::ArchConfig arch =
        isa::parse_arch_config({reinterpret_cast<const char*>(data), size}, "arch fuzz.toml", "fuzz");
    fuzz::must_succeed("an accepted config", [&] {
      (void)arch.fingerprint();
      const isa::Machine machine(arch);
    });
  });
  return 0;
}
