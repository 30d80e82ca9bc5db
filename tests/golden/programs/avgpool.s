# Global average pool over 2x2 pixels, 4 channels: the sum is folded into row 0 by one vec add whose iterations see
# each other's results, then requantized by 0.25 (2^30 with shift -1, as quantize_multiplier(0.25) gives).
# Sums 10, -10, 5, 7 -> 2.5 -> 3, -2.5 -> -3, 1.25 -> 2 (gemmlowp's two rounding steps: 5/2 -> 3, 3/2 -> 2),
# 1.75 -> 2.
.arch tiny
.act_bytes 20
.tensor input x int8 [1,2,2,4] scale=1 zero_point=0 offset=0
.tensor output y int8 [1,4] scale=1 zero_point=0 offset=16
.label params
.const i32 1073741824 1073741824 1073741824 1073741824
.const i32 -1 -1 -1 -1
.const i32 0 0 0 0
load mem=acc region=act dtype=int8 sram_addr=0 dram_offset=x y_size=4 x_size=1 lanes=4 y_stride=4
load mem=acc region=const dtype=int32 sram_addr=4 dram_offset=params y_size=3 x_size=1 lanes=4 y_stride=16
vec push_next op=add dst_addr=0 src_addr=1 outer=1 inner=3 src_stride_inner=1
store pop_prev region=act dtype=int8 requant=1 sram_addr=0 param_addr=4 dram_offset=y y_size=1 x_size=1 lanes=4 clamp_min=-128 clamp_max=127
finish
#! input x = 1 -1 1 2  2 -2 1 2  3 -3 1 2  4 -4 2 1
#! expect y = 3 -3 2 2
