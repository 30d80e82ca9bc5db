# Per-lane multipliers (x1, x0.5, x2, x0.25 as 2^30 with shifts 1, 0, 2, -1), zero point 128, uint8 output.
# Row 0: 10 10 10 12 -> 10 5 20 3 -> 138 133 148 131.
# Row 1: -200 300 100 -600 -> -200 150 200 -150 -> -72 278 328 -22 -> saturated to 0 255 255 0.
.arch tiny
.act_bytes 8
.tensor output y uint8 [2,4] scale=1 zero_point=128 offset=0
.label acc
.const i32 10 10 10 12
.const i32 -200 300 100 -600
.label params
.const i32 1073741824 1073741824 1073741824 1073741824
.const i32 1 0 2 -1
.const i32 128 128 128 128
load mem=acc region=const dtype=int32 sram_addr=0 dram_offset=acc y_size=2 x_size=1 lanes=4 y_stride=16
load push_next mem=acc region=const dtype=int32 sram_addr=8 dram_offset=params y_size=3 x_size=1 lanes=4 y_stride=16
store pop_prev region=act dtype=uint8 requant=1 sram_addr=0 param_addr=8 dram_offset=0 y_size=2 x_size=1 lanes=4 y_stride=4 clamp_min=0 clamp_max=255
finish
#! expect y = 138 133 148 131  0 255 255 0
