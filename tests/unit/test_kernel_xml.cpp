// The generated Vitis kernel.xml parses as XML and describes the kernel the register map defines: every kernel
// argument at the offset and size of its register in the generated header, pointers on the memory port, scalars
// on the control port, numbered in register order. Needs libxml2 (tests/CMakeLists.txt leaves it out otherwise).
#if SYSTOLE_HAVE_LIBXML2

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "systole/spec/isa_gen.hpp"

using namespace systole;

namespace {

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

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

}  // namespace

TEST_CASE("kernel.xml describes the register map's kernel arguments", "[unit]") {
  std::unique_ptr<xmlDoc, DocDeleter> doc(xmlReadFile(SYSTOLE_SPEC_KERNEL_XML, nullptr, XML_PARSE_NONET));
  REQUIRE(doc);  // well-formed
  xmlNode* root = xmlDocGetRootElement(doc.get());
  REQUIRE(is(root, "root"));
  CHECK(attr(root, "versionMajor") == "1");

  xmlNode* kernel = child(root, "kernel");
  CHECK(attr(kernel, "name") == spec::kKernelName);
  CHECK(attr(kernel, "language") == "ip_c");  // RTL kernels
  CHECK(attr(kernel, "hwControlProtocol") == "ap_ctrl_hs");
  const std::string vlnv = attr(kernel, "vlnv");
  CHECK(vlnv.find(std::string(":") + spec::kKernelName + ":") != std::string::npos);

  xmlNode* control = nullptr;
  xmlNode* memory = nullptr;
  for (xmlNode* p : children(child(kernel, "ports"), "port")) {
    if (attr(p, "name") == spec::kKernelControlPort) control = p;
    if (attr(p, "name") == spec::kKernelMemoryPort) memory = p;
  }
  REQUIRE(control);
  REQUIRE(memory);
  CHECK(attr(control, "mode") == "slave");
  CHECK(number(control, "dataWidth") == 32);
  std::uint32_t reg_end = 0;
  for (const auto& r : spec::kRegs) reg_end = std::max(reg_end, r.offset + r.width / 8);
  CHECK(number(control, "range") >= reg_end);  // every register inside the control aperture
  CHECK(attr(memory, "mode") == "master");
  CHECK(number(memory, "dataWidth") == static_cast<std::uint64_t>(spec::kKernelMemoryDataBits));

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
      CHECK(attr(a, "port") == spec::kKernelMemoryPort);
    } else {
      CHECK(number(a, "addressQualifier") == 0);  // scalar
      CHECK(attr(a, "port") == spec::kKernelControlPort);
    }
    ++id;
  }

  // Hand-checked against hw/spec/regmap.toml: the first argument is the instruction stream's address.
  CHECK(attr(args[0], "name") == "insn_addr");
  CHECK(number(args[0], "offset") == spec::reg::kInsnAddr);
  CHECK(spec::reg::kInsnAddr == 0x10);
}

#endif  // SYSTOLE_HAVE_LIBXML2
