// The compile report's roofline (compiler/lower.hpp LayerReport): per accelerator layer, the larger of the MACs on
// every PE and the layer's tensors moved once over the DRAM ports, recomputed here from the graph; and a lower bound
// on the compiler's own estimate, which models one particular mapping.
#include <catch2/catch.hpp>
#include <random>

#include "compiler/lower.hpp"
#include "support/random_layers.hpp"
#include "systole/arch.hpp"

using namespace systole;

namespace {

std::uint64_t tensor_bytes(const compiler::Graph& g, int id) {
  const compiler::Value& v = g.values[static_cast<std::size_t>(id)];
  return static_cast<std::uint64_t>(v.elements()) * dtype_size(v.dtype);
}

}  // namespace

TEST_CASE("the roofline is max(MACs / PEs, tensor bytes over the DRAM ports) and bounds the estimate", "[golden]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (const char* name : {"tiny", "default", "large"}) {
    const isa::ArchConfig arch = isa::load_arch_config(name);
    const auto pes = static_cast<std::uint64_t>(arch.rows() * arch.cols());
    const auto port = static_cast<std::uint64_t>(arch.params.dram_bytes_per_cycle);
    for (int trial = 0; trial < 8; ++trial) {
      for (const auto& make : {test::random_conv, test::random_gemm, test::random_pools}) {
        test::RandomLayer l = make(rng);
        const compiler::Graph g = l.g;
        const compiler::CompileResult r = compiler::compile(l.g, arch);
        REQUIRE(r.layers.size() == g.nodes.size());
        for (std::size_t i = 0; i < g.nodes.size(); ++i) {
          const compiler::LayerReport& layer = r.layers[i];
          INFO(name << " " << l.what << ", layer " << layer.name);
          REQUIRE(layer.accel);
          std::uint64_t reads = 0;
          for (int in : g.nodes[i].inputs) reads += in < 0 ? 0 : tensor_bytes(g, in);
          const std::uint64_t writes = tensor_bytes(g, g.nodes[i].output);
          const std::uint64_t compute = (layer.macs + pes - 1) / pes;
          const std::uint64_t dram = std::max((reads + 2 * port - 1) / (2 * port), (writes + port - 1) / port);
          CHECK(layer.min_dram_bytes == reads + writes);
          CHECK(layer.roofline_cycles == std::max(compute, dram));
          CHECK(layer.roofline_bound == (compute >= dram ? "compute" : "dram"));
          CHECK(layer.roofline_cycles <= layer.predicted_cycles);
          CHECK(layer.utilization_of_roofline ==
                Approx(static_cast<double>(layer.roofline_cycles) / static_cast<double>(layer.predicted_cycles)));
        }
      }
    }
  }
}
