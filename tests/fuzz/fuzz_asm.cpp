// The assembler: any text. An accepted program is written as a program file that reads back to the same bytes,
// and its disassembly assembles to the same program.
#include <cstdint>
#include <string>

#include "systole/program_text.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace systole;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    const Program p = assemble_program({reinterpret_cast<const char*>(data), size}, "fuzz.s");
    fuzz::must_succeed("writing back an assembled program", [&] {
      const std::vector<std::uint8_t> bytes = p.serialize();
      if (Program::parse(bytes, "program written back").serialize() != bytes) {
        fuzz::finding("the written program reads back different");
      }
      if (assemble_program(disassemble_program(p), "disassembly").serialize() != bytes) {
        fuzz::finding("the disassembly assembles to a different program");
      }
    });
  });
  return 0;
}
