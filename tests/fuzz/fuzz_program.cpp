// The program-file reader: any bytes. An accepted program is written back and read again to the same bytes, its
// disassembly assembles to the same program, and where it was compiled for a shipped arch config it is verified
// and run on the functional model with zero inputs.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "systole/program_text.hpp"
#include "systole/runtime.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace systole;

namespace {

// Zero inputs of the shapes and types the program declares.
std::map<std::string, Tensor> zero_inputs(const Program& p) {
  std::map<std::string, Tensor> in;
  for (const TensorDesc& d : p.tensors) {
    if (d.kind == TensorKind::kInput) in.emplace(d.name, Tensor(d.dtype, d.shape));
  }
  return in;
}

// A device per shipped config a fuzzed program may name (opened once: each reads its arch file).
Device* device_for(std::uint64_t fingerprint) {
  static const auto devices = [] {
    std::vector<std::unique_ptr<Device>> v;
    for (const char* name : {"tiny", "tiny_os", "default"}) v.push_back(Device::open("functional", {.arch = name}));
    return v;
  }();
  for (const auto& d : devices) {
    if (d->arch().fingerprint() == fingerprint) return d.get();
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    const Program p = Program::parse({data, size}, "program fuzz.sys");
    std::vector<std::uint8_t> bytes;
    fuzz::must_succeed("writing back an accepted program", [&] {
      bytes = p.serialize();
      if (Program::parse(bytes, "program written back").serialize() != bytes) {
        fuzz::finding("the written program reads back different");
      }
      const Program again = assemble_program(disassemble_program(p), "disassembly");
      if (again.serialize() != bytes) fuzz::finding("the disassembly assembles to a different program");
    });
    // Verification and a run: refusals (a race, a deadlock, a fault) are fine. Regions over 16 MiB are left out
    // so that a valid but large program does not read as an out-of-memory finding.
    Device* device = device_for(p.fingerprint);
    if (device == nullptr || p.act_bytes > (std::uint64_t{16} << 20)) return;
    try {
      device->load(p)->run(zero_inputs(p));
    } catch (const RuntimeFault&) {
    }
  });
  return 0;
}
