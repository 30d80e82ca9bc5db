# Rounding ties in gemmlowp's two steps differ: the doubling high multiply rounds ties towards +infinity, the
# rounding divide by a power of two rounds them away from zero.
# Row 0, multiplier 2^30 (x/2 in the doubling high multiply): 1 -> 1, 3 -> 2, -1 -> 0, -3 -> -1.
# Row 1, multiplier 2^31-1 (~1) and shift -2 (x/4 in the rounding divide): 2 -> 1, 6 -> 2, -2 -> -1, -6 -> -2.
.arch tiny
.act_bytes 8
.tensor output y int8 [2,4] scale=1 zero_point=0 offset=0
.label acc
.const i32 1 3 -1 -3
.const i32 2 6 -2 -6
.label half
.const i32 1073741824 1073741824 1073741824 1073741824
.const i32 0 0 0 0
.const i32 0 0 0 0
.label quarter
.const i32 2147483647 2147483647 2147483647 2147483647
.const i32 -2 -2 -2 -2
.const i32 0 0 0 0
load mem=acc region=const dtype=int32 sram_addr=0 dram_offset=acc y_size=2 x_size=1 lanes=4 y_stride=16
load push_next mem=acc region=const dtype=int32 sram_addr=2 dram_offset=half y_size=6 x_size=1 lanes=4 y_stride=16
store pop_prev region=act dtype=int8 requant=1 sram_addr=0 param_addr=2 dram_offset=0 y_size=1 x_size=1 lanes=4 clamp_min=-128 clamp_max=127
store region=act dtype=int8 requant=1 sram_addr=1 param_addr=5 dram_offset=4 y_size=1 x_size=1 lanes=4 clamp_min=-128 clamp_max=127
finish
#! expect y = 1 2 0 -1  1 2 -1 -2
