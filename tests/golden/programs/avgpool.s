# Global average pool over 2x2 pixels, 4 channels: the sum is folded into row 0 by one vec add whose iterations see
# each other's results, then requantized by QLinearGlobalAveragePool's scale x_scale / (y_scale * 4) = 0.25.
# Sums 10, -10, 6, -3 -> 2.5, -2.5, 1.5, -0.75 -> 2, -2, 2 (ties to even), -1.
.arch tiny
.act_bytes 20
.tensor input x int8 [1,2,2,4] scale=1 zero_point=0 offset=0
.tensor output y int8 [1,4] scale=1 zero_point=0 offset=16
.label params  # scale row (fp32 bits), zero-point row
.const f32 0.25 0.25 0.25 0.25
.const i32 0 0 0 0
load mem=acc region=act dtype=int8 sram_addr=0 dram_offset=x y_size=4 x_size=1 lanes=4 y_stride=4
load mem=acc region=const dtype=int32 sram_addr=4 dram_offset=params y_size=2 x_size=1 lanes=4 y_stride=16
vec push_next op=add dst_addr=0 src_addr=1 outer=1 inner=3 src_stride_inner=1
store pop_prev region=act dtype=int8 requant=1 sram_addr=0 param_addr=4 dram_offset=y y_size=1 x_size=1 lanes=4 clamp_min=-128 clamp_max=127
finish
#! input x = 1 -1 1 -1  2 -2 1 -1  3 -3 1 -1  4 -4 3 0
#! expect y = 2 -2 2 -1
