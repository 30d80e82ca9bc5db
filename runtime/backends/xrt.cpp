// The `xrt` engine: the kernel on an FPGA board (hw/vitis), through XRT. The device is opened and the xclbin
// loaded when the engine is made (Device::open), so a missing board or a bad xclbin is reported there. Each segment
// gets one buffer per region (instructions, const, act) in the bank its kernel argument is connected to; XRT starts
// the compute unit (ap_ctrl_hs) with the six arguments of hw/spec/regmap.toml, and the engine reads the status
// registers through the register driver (hw/driver) afterwards. It reports status and cycles: no counts and no
// per-instruction spans (the kernel has no probe a host can read).
//
// XRT's `noop` emulation (XCL_EMULATION_MODE=noop) runs this host path with a bitstream-less xclbin
// (runtime/xrt/xclbin.hpp) but has no registers and computes nothing: a register read fails there. The engine then
// finishes the run (buffers, arguments, start, completion, read-back) and stops with a RuntimeFault saying so.
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hw/driver/driver.hpp"
#include "runtime/engine.hpp"
#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::runtime {
namespace {

// XRT's messages, on one line.
std::string what(const std::exception& e) {
  std::string s = e.what();
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// The control registers of the compute unit, read and written through XRT (exclusive access).
class KernelBus final : public driver::ControlBus {
 public:
  explicit KernelBus(xrt::kernel& kernel) : kernel_(kernel) {}
  std::uint32_t read32(std::uint32_t offset) override { return kernel_.read_register(offset); }
  void write32(std::uint32_t offset, std::uint32_t value) override { kernel_.write_register(offset, value); }

 private:
  xrt::kernel& kernel_;
};

// The xrt::kernel::set_arg index of the argument in register `name`: its place among the registers that are
// arguments (hw/spec/regmap.toml through spec::kRegs, the numbering kernel.xml and runtime/xrt/xclbin.cpp use), or -1
// when the register is no argument of that kind.
constexpr int arg_index(std::string_view name, spec::ArgKind kind) {
  int index = 0;
  for (const spec::RegSpec& r : spec::kRegs) {
    if (r.arg == spec::ArgKind::kNone) continue;
    if (name == r.name) return r.arg == kind ? index : -1;
    ++index;
  }
  return -1;
}
constexpr int kInsnArg = arg_index("insn_addr", spec::ArgKind::kPointer);
constexpr int kInsnCountArg = arg_index("insn_count", spec::ArgKind::kScalar);
constexpr int kConstArg = arg_index("const_addr", spec::ArgKind::kPointer);
constexpr int kConstSizeArg = arg_index("const_size", spec::ArgKind::kScalar);
constexpr int kActArg = arg_index("act_addr", spec::ArgKind::kPointer);
constexpr int kActSizeArg = arg_index("act_size", spec::ArgKind::kScalar);
static_assert(kInsnArg >= 0 && kInsnCountArg >= 0 && kConstArg >= 0 && kConstSizeArg >= 0 && kActArg >= 0 &&
                  kActSizeArg >= 0,
              "hw/spec/regmap.toml no longer has the kernel arguments the xrt engine sets");
static_assert(spec::kKernelArgCount == 6, "the xrt engine sets six kernel arguments; regmap.toml has another count");
// The scalars are set as std::uint32_t (insn_count) and std::uint64_t (the sizes): their registers' widths.
constexpr std::uint32_t reg_bits(std::string_view name) {
  for (const spec::RegSpec& r : spec::kRegs) {
    if (name == r.name) return r.width;
  }
  return 0;
}
static_assert(reg_bits("insn_count") == 32 && reg_bits("const_size") == 64 && reg_bits("act_size") == 64,
              "a scalar kernel argument changed width in hw/spec/regmap.toml");

// The slowest kernel clock a board file has is 150 MHz; a segment gets its cycle limit at a third of that.
constexpr double kSlowestClockHz = 50e6;

class XrtEngine final : public Engine {
 public:
  XrtEngine(const isa::ArchConfig& arch, const DeviceOptions& options) : arch_(arch), xclbin_(options.xclbin) {
    if (xclbin_.empty()) throw UserError("--backend xrt needs --xclbin FILE");
    isa::check_readable(xclbin_, std::uint64_t{1} << 32, "xclbin");
    const char* mode = std::getenv("XCL_EMULATION_MODE");
    emulation_ = mode ? mode : "";
    const std::string where = "xrt device " + std::to_string(options.xrt_device);
    try {
      device_ = xrt::device(options.xrt_device);
    } catch (const std::exception& e) {
      throw UserError("xrt: opening " + where + " failed: " + what(e));
    }
    xrt::xclbin image;
    try {
      image = xrt::xclbin(xclbin_);
    } catch (const std::exception& e) {
      throw UserError("xclbin " + xclbin_ + ": not an xclbin XRT can read: " + what(e));
    }
    xrt::uuid uuid;
    try {
      uuid = device_.load_xclbin(image);
    } catch (const std::exception& e) {
      throw UserError("xclbin " + xclbin_ + ": loading it onto " + where + " failed: " + what(e));
    }
    try {
      // Exclusive: the host reads the status registers, which XRT allows only to the context that owns the unit.
      kernel_ = xrt::kernel(device_, uuid, spec::kKernelName, xrt::kernel::cu_access_mode::exclusive);
    } catch (const std::exception& e) {
      throw UserError("xclbin " + xclbin_ + ": opening its kernel " + spec::kKernelName + " failed: " + what(e));
    }
  }

  SegmentRun run(std::span<const spec::Insn> insns, isa::DramImage dram, const SegmentContext& context) override {
    const std::string segment = "the segment starting at instruction " + std::to_string(context.first_pc);
    const std::string registers_missing = checked_ ? "" : check_fingerprint(segment);
    xrt::bo insn_bo = to_device(insns.data(), insns.size() * sizeof(spec::Insn), kInsnArg, "instruction", segment);
    xrt::bo const_bo = to_device(dram.const_region.data(), dram.const_region.size(), kConstArg, "const", segment);
    xrt::bo act_bo = to_device(dram.act_region.data(), dram.act_region.size(), kActArg, "act", segment);
    const double seconds = static_cast<double>(context.max_cycles) / kSlowestClockHz + 10;
    try {
      xrt::run run(kernel_);
      run.set_arg(kInsnArg, insn_bo);
      run.set_arg(kInsnCountArg, static_cast<std::uint32_t>(insns.size()));
      run.set_arg(kConstArg, const_bo);
      run.set_arg(kConstSizeArg, static_cast<std::uint64_t>(dram.const_region.size()));
      run.set_arg(kActArg, act_bo);
      run.set_arg(kActSizeArg, static_cast<std::uint64_t>(dram.act_region.size()));
      run.start();
      const ert_cmd_state state = run.wait(std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000)));
      if (state == ERT_CMD_STATE_TIMEOUT) {
        run.abort();
        throw RuntimeFault("xrt: " + segment + " did not finish in " + std::to_string(static_cast<long>(seconds)) +
                           " s (" + std::to_string(context.max_cycles) + " cycles at 50 MHz)");
      }
      if (state != ERT_CMD_STATE_COMPLETED) {
        throw RuntimeFault("xrt: " + segment + " ended in command state " + std::to_string(state) +
                           " instead of completed (" + std::to_string(ERT_CMD_STATE_COMPLETED) + ")");
      }
    } catch (const RuntimeFault&) {
      throw;
    } catch (const std::exception& e) {
      throw RuntimeFault("xrt: running " + segment + " failed: " + what(e));
    }
    try {
      act_bo.sync(XCL_BO_SYNC_BO_FROM_DEVICE);
      act_bo.read(dram.act_region.data());
    } catch (const std::exception& e) {
      throw RuntimeFault("xrt: reading the act region back after " + segment + " failed: " + what(e));
    }
    if (!registers_missing.empty()) {
      throw RuntimeFault("xrt: " + segment + " completed under XCL_EMULATION_MODE=" + emulation_ +
                         ", which has no kernel registers (" + registers_missing +
                         "): no fingerprint, status or cycles to read, and nothing was computed");
    }
    SegmentRun out;
    try {
      KernelBus bus(kernel_);
      out.status = {static_cast<spec::ErrorCode>(bus.read32(spec::reg::kStatus)), bus.read32(spec::reg::kErrorPc)};
      out.timing.emplace().cycles = driver::read64(bus, spec::reg::kCycles);
    } catch (const std::exception& e) {
      throw RuntimeFault("xrt: reading the status registers after " + segment + " failed: " + what(e));
    }
    return out;  // timing has no per-instruction spans (empty insns)
  }

 private:
  // Checks the fingerprint register once, before the first run. Returns "" when checked, or, under an emulation
  // whose kernel has no registers, why it could not be read (the caller runs the host path and then stops).
  std::string check_fingerprint(const std::string& segment) {
    std::uint64_t found = 0;
    try {
      KernelBus bus(kernel_);
      found = driver::fingerprint(bus);
    } catch (const std::exception& e) {
      const std::string why = "reading the fingerprint register failed: " + what(e);
      if (!emulation_.empty()) return why;
      throw RuntimeFault("xrt: before " + segment + ", " + why);
    }
    checked_ = true;
    if (found != arch_.fingerprint()) {
      throw RuntimeFault("xrt: the kernel in " + xclbin_ + " was built for arch fingerprint " + std::to_string(found) +
                         ", not " + arch_.name + "'s " + std::to_string(arch_.fingerprint()) +
                         ": build the xclbin for this config or pass --arch");
    }
    return "";
  }

  // A buffer of `bytes` (at least one: XRT allocates no empty buffer) in the bank of argument `arg`, filled from
  // `data` and synced to the device.
  xrt::bo to_device(const void* data, std::size_t bytes, int arg, const char* region, const std::string& segment) {
    try {
      xrt::bo bo(device_, std::max<std::size_t>(bytes, 1), kernel_.group_id(arg));
      if (bytes) bo.write(data, bytes, 0);
      bo.sync(XCL_BO_SYNC_BO_TO_DEVICE);
      return bo;
    } catch (const std::exception& e) {
      throw RuntimeFault("xrt: the " + std::string(region) + " buffer of " + segment + " (" + std::to_string(bytes) +
                         " bytes): allocating or syncing it failed: " + what(e));
    }
  }

  isa::ArchConfig arch_;
  std::string xclbin_;
  std::string emulation_;  // XCL_EMULATION_MODE, "" on a board
  xrt::device device_;
  xrt::kernel kernel_;
  bool checked_ = false;  // the fingerprint register matched
};

}  // namespace

std::unique_ptr<Engine> make_xrt_engine(const isa::ArchConfig& arch, const DeviceOptions& options) {
  return std::make_unique<XrtEngine>(arch, options);
}

}  // namespace systole::runtime
