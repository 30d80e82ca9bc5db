// The ONNX importer and the compiler: any bytes, compiled for tiny (most layers tiled, some on the host). What the
// compiler writes must read back and verify; it then runs on the functional model with zero inputs.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "compiler/lower.hpp"
#include "compiler/onnx_import.hpp"
#include "systole/runtime.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace systole;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::unique_ptr<Device> device = Device::open("functional", {.arch = "tiny"});
  fuzz::refused_or_accepted([&] {
    compiler::Graph graph = compiler::import_onnx({data, size}, "fuzz.onnx");
    const compiler::CompileResult compiled = compiler::compile(graph, device->arch());
    // What the compiler writes reads back and loads (verification included).
    std::unique_ptr<LoadedProgram> loaded;
    fuzz::must_succeed("the compiled program", [&] {
      const Program p = Program::parse(compiled.program.serialize(), "program written back");
      if (p.act_bytes <= (std::uint64_t{64} << 20)) loaded = device->load(p);
    });
    if (!loaded) return;
    // A run on zero inputs may be refused for its data (an int32 accumulator a host gemm would overflow): a
    // UserError or RuntimeFault is fine there, anything else is a finding.
    std::map<std::string, Tensor> inputs;
    for (const TensorDesc& d : loaded->program().tensors) {
      if (d.kind == TensorKind::kInput) inputs.emplace(d.name, Tensor(d.dtype, d.shape));
    }
    try {
      loaded->run(inputs);
    } catch (const RuntimeFault&) {
    }
  });
  return 0;
}
