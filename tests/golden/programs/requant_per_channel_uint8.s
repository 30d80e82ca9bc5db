# Per-lane scales (1, 0.5, 2, 0.25), zero point 128, uint8 output.
# Row 0: 10 11 10 10 -> 10, 5.5, 20, 2.5 -> 10 6 20 2 (ties to even) -> 138 134 148 130.
# Row 1: -200 300 100 -600 -> -200 150 200 -150 -> -72 278 328 -22 -> saturated to 0 255 255 0.
.arch tiny
.act_bytes 8
.tensor output y uint8 [2,4] scale=1 zero_point=128 offset=0
.label acc
.const i32 10 11 10 10
.const i32 -200 300 100 -600
.label params  # scale row (fp32 bits), zero-point row
.const f32 1 0.5 2 0.25
.const i32 128 128 128 128
load mem=acc region=const dtype=int32 sram_addr=0 dram_offset=acc y_size=2 x_size=1 lanes=4 y_stride=16
load push_next mem=acc region=const dtype=int32 sram_addr=8 dram_offset=params y_size=2 x_size=1 lanes=4 y_stride=16
store pop_prev region=act dtype=uint8 requant=1 sram_addr=0 param_addr=8 dram_offset=0 y_size=2 x_size=1 lanes=4 y_stride=4 clamp_min=0 clamp_max=255
finish
#! expect y = 138 134 148 130  0 255 255 0
