# Requantization by sqrt(1/2) as float32 (0x1.6a09e6p-1 = 0.70710677) then int8 saturation on the store.
# Row 0: 100 -> 70.71 -> 71; -100 -> -71; 1000 -> 707.1 -> 707 -> 127; -1000 -> -707 -> -128.
# Row 1: 0 -> 0; 1 -> 0.71 -> 1; -1 -> -1; 181 -> 127.99 -> 128 -> 127.
# Row 2: the int32 extremes (float32: 2^31 and -2^31, products ~ +-1.5e9) saturate to 127 and -128;
# -181 -> -127.99 -> -128 fits exactly; 182 -> 128.69 -> 129 -> 127.
.arch tiny
.act_bytes 12
.tensor output y int8 [3,4] scale=1 zero_point=0 offset=0
.label acc
.const i32 100 -100 1000 -1000
.const i32 0 1 -1 181
.const i32 2147483647 -2147483648 -181 182
.label params  # scale row (fp32 bits), zero-point row
.const f32 0x1.6a09e6p-1 0x1.6a09e6p-1 0x1.6a09e6p-1 0x1.6a09e6p-1
.const i32 0 0 0 0
load mem=acc region=const dtype=int32 sram_addr=0 dram_offset=acc y_size=3 x_size=1 lanes=4 y_stride=16
load push_next mem=acc region=const dtype=int32 sram_addr=3 dram_offset=params y_size=2 x_size=1 lanes=4 y_stride=16
store pop_prev region=act dtype=int8 requant=1 param_addr=3 dram_offset=y y_size=3 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
finish
#! expect y = 71 -71 127 -128  0 1 -1 127  127 -128 -128 127
