#include "runtime/engine.hpp"
#include "systole/error.hpp"
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
  if (const runtime::EngineFactory* factory = runtime::find_engine(b))
    return runtime::open_device(b, *factory, options);
  std::string available;
  for (const Backend known : {Backend::kFunctional, Backend::kSystemc, Backend::kRtl, Backend::kXrt}) {
    if (runtime::find_engine(known)) available += (available.empty() ? "" : ", ") + std::string(backend_name(known));
  }
  throw UserError("backend '" + std::string(backend) + "' is not part of this build (available: " + available + ")");
}

}  // namespace systole
