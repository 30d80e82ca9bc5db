// Helpers tests share for editing program and config text.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "systole/arch.hpp"

namespace systole::test {

// `text` with its first `from` replaced by `to`; the test fails if `from` is absent.
inline std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

// The text of a shipped arch config.
inline std::string shipped_arch(const std::string& name) {
  std::ifstream in(isa::arch_dir() / (name + ".toml"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline isa::ArchConfig parse_arch(const std::string& text) {
  return isa::parse_arch_config(text, "cfg.toml", "cfg");
}

}  // namespace systole::test
