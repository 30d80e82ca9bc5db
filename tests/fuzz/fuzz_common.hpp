// Shared by the libFuzzer harnesses (tests/fuzz): what counts as a finding.
//
// A harness feeds its input to one reader. A UserError is the reader refusing the input, which is fine; any other
// exception, a signal, a sanitizer report, a leak or a hang is a finding. Whatever a reader accepts is written back
// with the matching writer and read again: a writer that produces what its reader refuses is a finding too.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "systole/error.hpp"

namespace systole::fuzz {

// Stops the run with a finding: libFuzzer saves the input that got here.
[[noreturn]] inline void finding(std::string_view what) {
  std::fprintf(stderr, "fuzz finding: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

// Runs `body`; a UserError is a clean refusal, any other exception a finding.
template <class F>
void refused_or_accepted(F&& body) {
  try {
    body();
  } catch (const UserError&) {
  } catch (const std::exception& e) {
    finding(std::string("unexpected exception: ") + e.what());
  }
}

// For what must succeed (reading back what a writer wrote): every exception is a finding.
template <class F>
void must_succeed(std::string_view what, F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    finding(std::string(what) + ": " + e.what());
  }
}

}  // namespace systole::fuzz
