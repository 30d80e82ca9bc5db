// Reading and writing the files Systole's tools take and make, with the limits and guarantees of the input contract:
// - a file is read only when it is a regular file no larger than the limit given for its kind, so a device
//   (/dev/zero), a FIFO or a huge file is refused with one clear error instead of exhausting memory;
// - a file is written atomically (a temporary file in the same folder, then rename), and only where the path is a
//   regular file or does not exist yet: a directory, a device (/dev/full) or a FIFO is refused and left untouched.
// Errors are UserErrors that name the file and the kind ("program file x.sys: ...").
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace systole::isa {

// Size limits of the files Systole reads, stated once.
constexpr std::uint64_t kMaxTextFileBytes = std::uint64_t{64} << 20;  // arch configs, boards, assembly
constexpr std::uint64_t kMaxDataFileBytes = std::uint64_t{4} << 30;   // program files, .npy tensors, ONNX models

// Throws unless `file` is a regular file of at most `limit` bytes; returns its size.
std::uint64_t check_readable(const std::filesystem::path& file, std::uint64_t limit, std::string_view what);

// The whole file, if it is a regular file of at most `limit` bytes.
std::string read_file(const std::filesystem::path& file, std::uint64_t limit, std::string_view what);

// Throws unless `file` is absent or a regular file (what write_file_atomic may replace).
void check_writable(const std::filesystem::path& file, std::string_view what);

// Writes `bytes` to `file` atomically: readers see the old file or the whole new one, never a part.
void write_file_atomic(const std::filesystem::path& file, std::string_view bytes, std::string_view what);

}  // namespace systole::isa
