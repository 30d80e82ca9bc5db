// Running a command line from a test: its exit status and its stdout and stderr together. A command killed by a
// signal fails the test (a crash is never an acceptable answer to bad input).
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace systole::test {

struct Outcome {
  int status;
  std::string output;  // stdout and stderr together
};

inline Outcome run_command(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buf[4096];
  while (const std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int raw = pclose(pipe);
  REQUIRE(WIFEXITED(raw));  // exited, not killed by a signal
  return {WEXITSTATUS(raw), out};
}

}  // namespace systole::test
