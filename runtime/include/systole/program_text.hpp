// The program assembly language: a program file as text, for hand-written tests and for reading compiled code.
//
//   # comment (also after any line)
//   .arch NAME [0xFINGERPRINT]        config the program targets; fingerprint computed from hw/arch if omitted
//   .act_bytes N                       size of the act region
//   .tensor input|output|internal|const NAME DTYPE [D0,D1,...] scale=S zero_point=Z offset=OFF [layout=nhwc]
//   .layer NAME | -                    the following instructions implement IR layer NAME ("-": no layer)
//   .host OP in=A,B out=Y [layer=L] [ints.K=1,2] [floats.K=0.5]
//                                      a host step; instructions between host steps form accelerator segments
//   .set SYM VALUE                     a symbol for instruction fields
//   .label SYM                         SYM = current size of the constant blob
//   .const i8|u8|i32|hex VALUES...     append constants (i32 little-endian; hex as a byte string)
//   .align N                           zero-pad the constant blob to a multiple of N bytes
//   OPCODE [flags] field=value ...     one instruction (see docs/generated/isa.md); a value may be SYM, SYM+N, SYM-N
//
// disassemble_program() writes this format, and assemble_program(disassemble_program(p)) == p byte for byte.
#pragma once

#include <string>
#include <string_view>

#include "systole/program.hpp"

namespace systole {

Program assemble_program(std::string_view text, const std::string& origin);
Program assemble_program_file(const std::filesystem::path& file);
std::string disassemble_program(const Program& program);

}  // namespace systole
