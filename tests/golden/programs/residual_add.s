# Residual add of an int8 and a uint8 tensor that share one scale (0.75), in the accumulator: widening loads (int8
# sign-extends, uint8 zero-extends), addi removes each zero point (1 and 128), add sums, and the store requantizes
# the sum by a_scale / y_scale = 0.75 / 1, adds the output zero point 3 and saturates.
# (a-1) + (b-128):  0 3 -126 253  -39 91 98 -257
# x 0.75:           0 2.25 -94.5 189.75  -29.25 68.25 73.5 -192.75
# rne:              0 2 -94 190  -29 68 74 -193   (ties to even: -94.5 -> -94, 73.5 -> 74)
# + 3, clamped:     3 5 -91 127  -26 71 77 -128
.arch tiny
.act_bytes 24
.tensor input a int8 [2,4] scale=0.75 zero_point=1 offset=0
.tensor input b uint8 [2,4] scale=0.75 zero_point=128 offset=8
.tensor output y int8 [2,4] scale=1 zero_point=3 offset=16
.label params  # scale row (fp32 bits), zero-point row
.const f32 0.75 0.75 0.75 0.75
.const i32 3 3 3 3
load mem=acc region=act dtype=int8 sram_addr=0 dram_offset=a y_size=2 x_size=1 lanes=4 y_stride=4
load mem=acc region=act dtype=uint8 sram_addr=2 dram_offset=b y_size=2 x_size=1 lanes=4 y_stride=4
load mem=acc region=const dtype=int32 sram_addr=4 dram_offset=params y_size=2 x_size=1 lanes=4 y_stride=16
vec op=addi dst_addr=0 outer=1 inner=2 dst_stride_inner=1 imm_a=-1
vec op=addi dst_addr=2 outer=1 inner=2 dst_stride_inner=1 imm_a=-128
vec push_next op=add dst_addr=0 src_addr=2 outer=1 inner=2 dst_stride_inner=1 src_stride_inner=1
store pop_prev region=act dtype=int8 requant=1 sram_addr=0 param_addr=4 dram_offset=y y_size=2 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
finish
#! input a = 1 2 3 127  -10 20 100 -128
#! input b = 128 130 0 255  100 200 127 0
#! expect y = 3 5 -91 127  -26 71 77 -128
