# Requantization rounds twice, each time to nearest with ties to even (ONNX Runtime's MlasRequantizeOutput):
# y = clamp(rne(float32(acc) * scale) + zero_point). Each store below uses one scale for all four lanes.
# Rows 0-1, scale 0.5 (exact product, so only the integer step rounds): odd accumulators give .5 ties, which go to
# the even neighbour: 1 -> 0, 3 -> 2, -1 -> 0, -3 -> -2; 5 -> 2, 7 -> 4, -5 -> -2, -7 -> -4.
# Row 2, scale 0.1 as float32 (0x1.99999ap-4 = 0.100000001490116): the product rounds in fp32 to a tie:
# 5 * 0.1f = 0.5000000075 -> 0.5 in fp32 -> 0; -5 -> -0.5 -> 0; 25 -> 2.5 -> 2; 45 -> 4.5 -> 4 (exact products, or
# a double product, would round to 1, -1, 3, 5).
# Row 3, scale 2^-25 (exact product): int32 -> fp32 rounds to even above 2^24 first: 2^24+1 -> 2^24 -> 0.5 -> 0;
# 2^24+3 -> 2^24+4 -> 0.50000012 -> 1; -(2^24+1) -> -0.5 -> 0; 5*2^24+4 -> 5*2^24 (spacing 8) -> 2.5 -> 2.
# (Exactly, 2^24+1, -(2^24+1) and 5*2^24+4 would give 1, -1 and 3.)
.arch tiny
.act_bytes 16
.tensor output y int8 [4,4] scale=1 zero_point=0 offset=0
.label acc
.const i32 1 3 -1 -3
.const i32 5 7 -5 -7
.const i32 5 -5 25 45
.const i32 16777217 16777219 -16777217 83886084
.label params  # per store: a scale row (fp32 bits), a zero-point row
.const f32 0.5 0.5 0.5 0.5
.const i32 0 0 0 0
.const f32 0.1 0.1 0.1 0.1
.const i32 0 0 0 0
.const f32 0x1p-25 0x1p-25 0x1p-25 0x1p-25
.const i32 0 0 0 0
load mem=acc region=const dtype=int32 sram_addr=0 dram_offset=acc y_size=4 x_size=1 lanes=4 y_stride=16
load push_next mem=acc region=const dtype=int32 sram_addr=4 dram_offset=params y_size=6 x_size=1 lanes=4 y_stride=16
store pop_prev region=act dtype=int8 requant=1 sram_addr=0 param_addr=4 dram_offset=0 y_size=2 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
store region=act dtype=int8 requant=1 sram_addr=2 param_addr=6 dram_offset=8 y_size=1 x_size=1 lanes=4 clamp_min=-128 clamp_max=127
store region=act dtype=int8 requant=1 sram_addr=3 param_addr=8 dram_offset=12 y_size=1 x_size=1 lanes=4 clamp_min=-128 clamp_max=127
finish
#! expect y = 0 2 0 -2  2 4 -2 -4  0 0 2 4  0 1 0 2
