// The generated Vitis kernel.xml of every arch config parses as XML and describes the kernel the register map
// defines: the control port and the four AXI4 masters, each as wide as the config's dram.bytes_per_cycle (read by
// the C++ arch loader, independently of the generator), and every kernel argument at the offset and size of its
// register in the generated header, pointers bound to the port the generated port table says, scalars on the control
// port, numbered in register order. Needs libxml2 (tests/CMakeLists.txt leaves it out otherwise).
#if SYSTOLE_HAVE_LIBXML2

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "systole/arch.hpp"
#include "systole/spec/isa_gen.hpp"

using namespace systole;
namespace fs = std::filesystem;

namespace {

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocDeleter>;

std::string attr(xmlNode* node, const char* name) {
  xmlChar* v = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (!v) return "";
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::uint64_t number(xmlNode* node, const char* name) {
  const std::string s = attr(node, name);
  INFO(name << "=\"" << s << "\"");
  REQUIRE(!s.empty());
  return std::stoull(s, nullptr, 0);  // base 0: "0x10" and "512" alike
}

bool is(xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::vector<xmlNode*> children(xmlNode* parent, const char* name) {
  std::vector<xmlNode*> out;
  for (xmlNode* n = parent->children; n; n = n->next) {
    if (is(n, name)) out.push_back(n);
  }
  return out;
}

xmlNode* child(xmlNode* parent, const char* name) {
  const auto all = children(parent, name);
  INFO("<" << name << "> under <" << reinterpret_cast<const char*>(parent->name) << ">");
  REQUIRE(all.size() == 1);
  return all.front();
}

fs::path kernel_xml_path(const std::string& config) {
  return fs::path(SYSTOLE_SPEC_VITIS_DIR) / config / "kernel.xml";
}

// The <kernel> element of a config's kernel.xml; the document stays alive in `doc`.
xmlNode* load_kernel(const std::string& config, Doc& doc) {
  doc.reset(xmlReadFile(kernel_xml_path(config).c_str(), nullptr, XML_PARSE_NONET));
  REQUIRE(doc);  // exists and is well-formed
  xmlNode* root = xmlDocGetRootElement(doc.get());
  REQUIRE(is(root, "root"));
  CHECK(attr(root, "versionMajor") == "1");
  return child(root, "kernel");
}

// The kernel.xml port a pointer argument is bound to, by the generated port table.
std::string bound_port(std::size_t arg_id) {
  std::string port;
  for (const auto& p : spec::kKernelMemoryPorts) {
    if (p.binds & (1u << arg_id)) {
      CHECK(port.empty());  // bound to one port only
      CHECK((p.reaches & (1u << arg_id)) != 0);
      port = p.name;
    }
  }
  return port;
}

std::vector<std::string> arch_configs() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(isa::arch_dir())) {
    if (e.path().extension() == ".toml") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("kernel.xml of every arch config describes the register map's kernel", "[unit]") {
  const auto configs = arch_configs();
  for (const char* expected : {"default", "large", "tiny", "xlarge"}) {
    CHECK(std::find(configs.begin(), configs.end(), expected) != configs.end());
  }
  for (const auto& config : configs) {
    INFO("arch config " << config);
    Doc doc;
    xmlNode* kernel = load_kernel(config, doc);
    CHECK(attr(kernel, "name") == spec::kKernelName);
    CHECK(attr(kernel, "language") == "ip_c");  // RTL kernels
    CHECK(attr(kernel, "hwControlProtocol") == "ap_ctrl_hs");
    CHECK(attr(kernel, "vlnv").find(std::string(":") + spec::kKernelName + ":") != std::string::npos);

    // The control slave first, then the masters in the port table's order.
    const auto ports = children(child(kernel, "ports"), "port");
    REQUIRE(ports.size() == 1 + spec::kKernelMemoryPorts.size());
    xmlNode* control = ports[0];
    CHECK(attr(control, "name") == spec::kKernelControlPort);
    CHECK(attr(control, "mode") == "slave");
    CHECK(number(control, "dataWidth") == 32);
    std::uint32_t reg_end = 0;
    for (const auto& r : spec::kRegs) reg_end = std::max(reg_end, r.offset + r.width / 8);
    CHECK(number(control, "range") >= reg_end);  // every register inside the control aperture

    const auto bits = static_cast<std::uint64_t>(isa::load_arch_config(config).params.dram_bytes_per_cycle) * 8;
    for (std::size_t i = 0; i < spec::kKernelMemoryPorts.size(); ++i) {
      xmlNode* port = ports[1 + i];
      INFO("port " << attr(port, "name"));
      CHECK(attr(port, "name") == spec::kKernelMemoryPorts[i].name);
      CHECK(attr(port, "mode") == "master");
      CHECK(attr(port, "portType") == "addressable");
      CHECK(number(port, "dataWidth") == bits);
      CHECK(number(port, "range") == std::numeric_limits<std::uint64_t>::max());  // 64-bit addresses
    }

    const auto args = children(child(kernel, "args"), "arg");
    REQUIRE(args.size() == spec::kKernelArgCount);
    std::size_t id = 0;
    for (const auto& r : spec::kRegs) {
      if (r.arg == spec::ArgKind::kNone) continue;
      INFO(r.name);
      REQUIRE(id < args.size());
      xmlNode* a = args[id];
      CHECK(attr(a, "name") == r.name);
      CHECK(number(a, "id") == id);
      CHECK(number(a, "offset") == r.offset);
      CHECK(number(a, "size") == r.width / 8);
      CHECK(number(a, "hostSize") == r.width / 8);
      if (r.arg == spec::ArgKind::kPointer) {
        CHECK(number(a, "addressQualifier") == 1);  // global memory
        const std::string port = bound_port(id);
        CHECK(!port.empty());
        CHECK(attr(a, "port") == port);
      } else {
        CHECK(number(a, "addressQualifier") == 0);  // scalar
        CHECK(attr(a, "port") == spec::kKernelControlPort);
        CHECK(bound_port(id).empty());
      }
      ++id;
    }
  }
}

TEST_CASE("kernel.xml hand-checked: port widths per config and the argument binding", "[unit]") {
  const std::map<std::string, std::uint64_t> width = {{"tiny", 128}, {"default", 256}, {"large", 512}, {"xlarge", 512}};
  for (const auto& [config, bits] : width) {
    INFO(config);
    Doc doc;
    xmlNode* kernel = load_kernel(config, doc);
    std::vector<std::string> masters;
    for (xmlNode* p : children(child(kernel, "ports"), "port")) {
      if (attr(p, "mode") != "master") continue;
      masters.push_back(attr(p, "name"));
      CHECK(number(p, "dataWidth") == bits);
    }
    CHECK(masters == std::vector<std::string>{"m_axi_fetch", "m_axi_load", "m_axi_acc", "m_axi_store"});
    std::map<std::string, std::string> port_of;
    for (xmlNode* a : children(child(kernel, "args"), "arg")) port_of[attr(a, "name")] = attr(a, "port");
    CHECK(port_of["insn_addr"] == "m_axi_fetch");
    CHECK(port_of["const_addr"] == "m_axi_load");
    CHECK(port_of["act_addr"] == "m_axi_store");
    CHECK(port_of["insn_count"] == "s_axi_control");
    // m_axi_acc carries no argument: it reaches const and act through the bank it shares with the others.
    for (const auto& [arg, port] : port_of) CHECK(port != "m_axi_acc");
  }
  CHECK(spec::reg::kInsnAddr == 0x10);
}

#endif  // SYSTOLE_HAVE_LIBXML2
