#include "sim/isa/file_io.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "systole/error.hpp"

namespace systole::isa {
namespace fs = std::filesystem;

namespace {

std::string prefix(std::string_view what, const fs::path& file) {
  return std::string(what) + " " + file.string() + ": ";
}

const char* kind_of(fs::file_type t) {
  switch (t) {
    case fs::file_type::directory: return "a directory";
    case fs::file_type::block: return "a block device";
    case fs::file_type::character: return "a character device";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    default: return "not a regular file";
  }
}

}  // namespace

std::uint64_t check_readable(const fs::path& file, std::uint64_t limit, std::string_view what) {
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (ec || st.type() == fs::file_type::not_found) throw UserError(prefix(what, file) + "cannot open file");
  if (st.type() != fs::file_type::regular) {
    throw UserError(prefix(what, file) + "is " + kind_of(st.type()) + "; only regular files are read");
  }
  const std::uint64_t size = fs::file_size(file, ec);
  if (ec) throw UserError(prefix(what, file) + "cannot read its size");
  if (size > limit) {
    throw UserError(prefix(what, file) + "is " + std::to_string(size) + " bytes; the limit for a " + std::string(what) +
                    " is " + std::to_string(limit) + " bytes");
  }
  return size;
}

std::string read_file(const fs::path& file, std::uint64_t limit, std::string_view what) {
  const std::uint64_t size = check_readable(file, limit, what);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError(prefix(what, file) + "cannot open file");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) throw UserError(prefix(what, file) + "read failed");
  return bytes;
}

void check_writable(const fs::path& file, std::string_view what) {
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (st.type() == fs::file_type::not_found || st.type() == fs::file_type::regular) return;
  if (ec) throw UserError(prefix(what, file) + "cannot inspect the path: " + ec.message());
  throw UserError(prefix(what, file) + "is " + kind_of(st.type()) +
                  "; outputs are written only as regular files, so it was left untouched");
}

void write_file_atomic(const fs::path& file, std::string_view bytes, std::string_view what) {
  check_writable(file, what);
  // A unique temporary file beside the target (same file system, so the rename is atomic).
  std::string tmp = file.string() + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw UserError(prefix(what, file) + "cannot create a file there: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw UserError(prefix(what, file) + "write failed: " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  // mkstemp creates the file 0600; an output gets the usual permissions (0666 less the umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw UserError(prefix(what, file) + "write failed: " + std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    ::unlink(tmp.c_str());
    throw UserError(prefix(what, file) + "cannot replace it: " + ec.message());
  }
}

}  // namespace systole::isa
