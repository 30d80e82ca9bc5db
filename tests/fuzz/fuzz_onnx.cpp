// The ONNX importer and the compiler: any bytes, compiled for tiny (most layers tiled, some on the host). What the
// compiler writes must read back, verify and run on the functional model.
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
    fuzz::must_succeed("the compiled program", [&] {
      const std::vector<std::uint8_t> bytes = compiled.program.serialize();
      const Program p = Program::parse(bytes, "program written back");
      if (p.act_bytes > (std::uint64_t{64} << 20)) return;
      std::map<std::string, Tensor> inputs;
      for (const TensorDesc& d : p.tensors) {
        if (d.kind == TensorKind::kInput) inputs.emplace(d.name, Tensor(d.dtype, d.shape));
      }
      device->load(p)->run(inputs);
    });
  });
  return 0;
}
