// Error types shared by every Systole library.
//
// UserError: bad input (model, config, program file, CLI argument); the message says what, where and what to
// change, and main() prints it as one line. InternalError: a broken invariant, i.e. our bug. RuntimeFault: the
// device stopped a run.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace systole {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// A device stopped a run: an error status (DMA out of bounds, illegal instruction, ...), or a segment that did not
// finish within its cycle or time limit (the message names the instructions dispatch and the units were at).
class RuntimeFault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Input text as an error message quotes it: in single quotes, cut to its first 40 characters (with its length)
// when longer than 48, so an error stays one readable line whatever the input holds.
inline std::string quote(std::string_view text) {
  if (text.size() <= 48) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, 40)) + "...' (" + std::to_string(text.size()) + " characters)";
}

}  // namespace systole
