#include "runtime/backends/simulated.hpp"
#include "sim/isa/error.hpp"
#include "systole/runtime.hpp"

namespace systole {

Backend parse_backend(std::string_view name) {
  if (name == "functional") return Backend::kFunctional;
  if (name == "systemc") return Backend::kSystemc;
  if (name == "rtl") return Backend::kRtl;
  if (name == "xrt") return Backend::kXrt;
  throw UserError("backend '" + std::string(name) + "' is unknown (backends: functional, systemc, rtl, xrt)");
}

std::string_view backend_name(Backend b) {
  switch (b) {
    case Backend::kFunctional: return "functional";
    case Backend::kSystemc: return "systemc";
    case Backend::kRtl: return "rtl";
    case Backend::kXrt: return "xrt";
  }
  return "?";
}

std::unique_ptr<Device> Device::open(std::string_view backend, const DeviceOptions& options) {
  const Backend b = parse_backend(backend);
  switch (b) {
    case Backend::kFunctional:
    case Backend::kSystemc: return runtime::open_simulated(b, options);
    case Backend::kRtl:
      if (runtime::have_rtl()) return runtime::open_simulated(b, options);
      break;
    case Backend::kXrt: break;
  }
  throw UserError("backend '" + std::string(backend) + "' is not part of this build (available: functional, systemc" +
                  (runtime::have_rtl() ? ", rtl" : "") + ")");
}

}  // namespace systole
