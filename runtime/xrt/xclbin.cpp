#include "runtime/xrt/xclbin.hpp"

#include <uuid/uuid.h>
#include <xrt/xclbin.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <vector>

#include "sim/isa/file_io.hpp"
#include "systole/error.hpp"

namespace systole::runtime {
namespace {

constexpr const char* kInstance = "systole_1";   // the compute unit, as the connectivity files name it
constexpr std::uint32_t kControlRange = 0x1000;  // the aperture kernel.xml declares (hw/vitis/README.md)

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << std::uppercase << v;
  return s.str();
}

template <typename T>
std::string bytes_of(const T& value) {
  return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

// XRT reads the kernel from `project.platform.device.core.kernel` (core/common/xclbin_parser.cpp): its ports
// (the slave's range is the register aperture), its args (id = set_arg index, offset and size in the control
// registers, addressQualifier 1 for a global pointer, 0 for a scalar) and the instance's control base.
std::string metadata_section(const isa::ArchConfig& arch, const XclbinSpec& spec) {
  const auto width = std::to_string(arch.params.dram_bytes_per_cycle * 8);
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<project name=\"systole\">\n"
    << "  <platform vendor=\"systole\" boardid=\"noop\" name=\"noop\" featureRomTime=\"0\">\n"
    << "    <version major=\"1\" minor=\"0\"/>\n"
    << "    <device name=\"fpga0\" fpgaDevice=\"noop\" addrWidth=\"0\">\n"
    << "      <core name=\"OCL_REGION_0\" target=\"bitstream\" type=\"clc_region\" clockFreq=\""
    << static_cast<int>(spec.kernel_clock_mhz) << "MHz\" numComputeUnits=\"1\">\n"
    << "        <kernel name=\"" << spec::kKernelName << "\" language=\"ip_c\" preferredWorkGroupSizeMultiple=\"0\""
    << " workGroupSize=\"1\" interrupt=\"true\" hwControlProtocol=\"ap_ctrl_hs\">\n"
    << "          <port name=\"" << spec::kKernelControlPort << "\" mode=\"slave\" range=\"" << hex(kControlRange)
    << "\" dataWidth=\"32\" portType=\"addressable\" base=\"0x0\"/>\n";
  for (const spec::MemoryPortSpec& p : spec::kKernelMemoryPorts) {
    x << "          <port name=\"" << p.name << "\" mode=\"master\" range=\"0xFFFFFFFFFFFFFFFF\" dataWidth=\"" << width
      << "\" portType=\"addressable\" base=\"0x0\"/>\n";
  }
  std::uint32_t id = 0;
  for (const spec::RegSpec& r : spec::kRegs) {
    if (r.arg == spec::ArgKind::kNone) continue;
    const bool pointer = r.arg == spec::ArgKind::kPointer;
    std::string port = spec::kKernelControlPort;
    for (const spec::MemoryPortSpec& p : spec::kKernelMemoryPorts) {
      if (pointer && (p.binds >> id & 1u)) port = p.name;
    }
    const std::string size = hex(r.width / 8);
    x << "          <arg name=\"" << r.name << "\" addressQualifier=\"" << (pointer ? 1 : 0) << "\" id=\"" << id
      << "\" port=\"" << port << "\" size=\"" << size << "\" offset=\"" << hex(r.offset) << "\" type=\""
      << (pointer         ? "void*"
          : r.width == 32 ? "uint"
                          : "ulong")
      << "\" hostOffset=\"0x0\" hostSize=\"" << size << "\"/>\n";
    ++id;
  }
  x << "          <instance name=\"" << kInstance << "\">\n"
    << "            <addrRemap base=\"" << hex(spec.cu_base) << "\" port=\"" << spec::kKernelControlPort << "\"/>\n"
    << "          </instance>\n"
    << "        </kernel>\n"
    << "      </core>\n"
    << "    </device>\n"
    << "  </platform>\n"
    << "</project>\n";
  return x.str();
}

std::string ip_layout_section(const XclbinSpec& spec) {
  ip_layout l{};
  l.m_count = 1;
  ip_data& ip = l.m_ip_data[0];
  ip.m_type = IP_KERNEL;
  ip.properties = IP_INT_ENABLE_MASK | (AP_CTRL_HS << IP_CONTROL_SHIFT);
  ip.m_base_address = spec.cu_base;
  const std::string name = std::string(spec::kKernelName) + ":" + kInstance;
  std::memcpy(ip.m_name, name.c_str(), name.size() + 1);
  return bytes_of(l);
}

std::string mem_topology_section(const XclbinSpec& spec) {
  if (spec.bank.empty() || spec.bank.size() >= sizeof(mem_data::m_tag)) {
    throw UserError("xclbin: memory bank name '" + spec.bank + "' must have 1 to 15 characters");
  }
  mem_topology t{};
  t.m_count = 1;
  mem_data& m = t.m_mem_data[0];
  m.m_type = MEM_DDR4;
  m.m_used = 1;
  m.m_size = spec.bank_bytes / 1024;  // KiB
  m.m_base_address = spec.bank_base;
  std::memcpy(m.m_tag, spec.bank.c_str(), spec.bank.size() + 1);
  return bytes_of(t);
}

std::string connectivity_section() {
  std::vector<connection> links;
  std::int32_t id = 0;
  for (const spec::RegSpec& r : spec::kRegs) {
    if (r.arg == spec::ArgKind::kNone) continue;
    if (r.arg == spec::ArgKind::kPointer) links.push_back({id, 0, 0});  // argument id, ip 0, bank 0
    ++id;
  }
  const auto count = static_cast<std::int32_t>(links.size());
  std::string out = bytes_of(count);
  for (const connection& c : links) out += bytes_of(c);
  return out;
}

}  // namespace

std::string xclbin_image(const isa::ArchConfig& arch, const XclbinSpec& spec) {
  const std::vector<std::pair<axlf_section_kind, std::string>> sections = {
      {IP_LAYOUT, ip_layout_section(spec)},
      {MEM_TOPOLOGY, mem_topology_section(spec)},
      {CONNECTIVITY, connectivity_section()},
      {EMBEDDED_METADATA, metadata_section(arch, spec)},
  };
  const std::vector<const char*> names = {"IP_LAYOUT", "MEM_TOPOLOGY", "CONNECTIVITY", "EMBEDDED_METADATA"};
  // The axlf struct holds the first section header; the others follow it. Section data is 8-byte aligned.
  const std::size_t headers = sizeof(axlf) + (sections.size() - 1) * sizeof(axlf_section_header);
  std::string body;
  std::vector<axlf_section_header> table;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    while ((headers + body.size()) % 8) body.push_back('\0');
    axlf_section_header h{};
    h.m_sectionKind = sections[i].first;
    std::strncpy(h.m_sectionName, names[i], sizeof h.m_sectionName - 1);
    h.m_sectionOffset = headers + body.size();
    h.m_sectionSize = sections[i].second.size();
    table.push_back(h);
    body += sections[i].second;
  }
  axlf top{};
  std::memcpy(top.m_magic, "xclbin2", 8);
  top.m_signature_length = -1;
  std::memset(top.reserved, 0xFF, sizeof top.reserved);
  std::memset(top.m_keyBlock, 0xFF, sizeof top.m_keyBlock);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  top.m_uniqueId = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  axlf_header& h = top.m_header;
  h.m_length = headers + body.size();
  h.m_timeStamp = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  h.m_versionMajor = 2;
  h.m_versionMinor = 13;
  h.m_mode = XCLBIN_FLAT;
  const char vbnv[] = "systole:noop:systole_top:1.0";
  std::memcpy(h.m_platformVBNV, vbnv, sizeof vbnv);
  uuid_generate(h.uuid);  // XRT keys loaded xclbins by UUID: every image is a new one
  h.m_numSections = static_cast<std::uint32_t>(sections.size());
  top.m_sections[0] = table[0];
  std::string out = bytes_of(top);
  for (std::size_t i = 1; i < table.size(); ++i) out += bytes_of(table[i]);
  return out + body;
}

void write_xclbin(const std::filesystem::path& file, const isa::ArchConfig& arch, const XclbinSpec& spec) {
  isa::write_file_atomic(file, xclbin_image(arch, spec), "xclbin");
}

}  // namespace systole::runtime
