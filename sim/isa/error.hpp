// Error types shared by every Systole library.
//
// UserError: bad input (model, config, program file, CLI argument); the message says what, where and what to
// change, and main() prints it as one line. InternalError: a broken invariant, i.e. our bug.
#pragma once

#include <stdexcept>
#include <string>

namespace systole {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace systole
