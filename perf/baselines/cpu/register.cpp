// Makes the CPU baseline's kernels (VNNI, then oneDNN) the runtime's host-op provider (runtime/host_kernels.hpp), so
// the host steps of accelerator runs run at CPU speed with the same bits. Linked as object code through
// systole_backends, so the registration is in every program that opens devices.
#include "perf/baselines/cpu/cpu_baseline.hpp"

namespace {

const bool kRegistered = [] {
  systole::runtime::register_host_op_provider(systole::cpu::prepare_host_op);
  return true;
}();

}  // namespace
