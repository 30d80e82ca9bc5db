// Moving values in and out of Verilated models' ports, shared by the harness (rtl_core.cpp) and the benches.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "systole/spec/isa_gen.hpp"

namespace systole::verif {

// Verilator port types: up to 8/16/32 bits an unsigned integer, up to 64 bits uint64_t, wider a VlWide of 32-bit
// words, least significant word first. These move a port's bits as 32-bit words.
template <class Port>
void write_words(Port& port, const std::vector<std::uint32_t>& words) {
  if constexpr (std::is_integral_v<Port>) {
    std::uint64_t v = words.at(0);
    if (words.size() > 1) v |= std::uint64_t{words[1]} << 32;
    port = static_cast<Port>(v);
  } else {
    for (std::size_t i = 0; i < words.size(); ++i) port[i] = words[i];
  }
}

template <class Port>
std::vector<std::uint32_t> read_words(const Port& port, std::size_t count) {
  std::vector<std::uint32_t> words(count);
  if constexpr (std::is_integral_v<Port>) {
    const auto v = static_cast<std::uint64_t>(port);
    words.at(0) = static_cast<std::uint32_t>(v);
    if (count > 1) words[1] = static_cast<std::uint32_t>(v >> 32);
  } else {
    for (std::size_t i = 0; i < count; ++i) words[i] = port[i];
  }
  return words;
}

// An instruction as the 32-bit words of a 256-bit port, least significant first.
inline std::vector<std::uint32_t> insn_words(const spec::Insn& insn) {
  std::vector<std::uint32_t> w;
  for (std::uint64_t d : insn) {
    w.push_back(static_cast<std::uint32_t>(d));
    w.push_back(static_cast<std::uint32_t>(d >> 32));
  }
  return w;
}

}  // namespace systole::verif
