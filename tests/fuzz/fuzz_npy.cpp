// The .npy reader: any bytes. An accepted tensor is encoded and read back to an equal one.
#include <cstdint>
#include <string>

#include "systole/tensor.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace systole;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::refused_or_accepted([&] {
    const Tensor t = parse_npy({reinterpret_cast<const char*>(data), size}, "npy file fuzz.npy");
    fuzz::must_succeed("reading back an encoded tensor", [&] {
      const Tensor back = parse_npy(encode_npy(t), "npy file encoded");
      if (back.dtype != t.dtype || back.shape != t.shape || back.data != t.data) {
        fuzz::finding("the encoded tensor reads back different");
      }
    });
  });
  return 0;
}
