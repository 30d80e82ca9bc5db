# Fused ReLU/clip in the store clamp (row 0: clamp to [0, 100]) and the vector clip (row 1: a copy of row 0 clipped
# to [-2, 20] in the accumulator, stored with the full int8 range).
.arch tiny
.act_bytes 8
.tensor output y int8 [2,4] scale=1 zero_point=0 offset=0
.label acc
.const i32 -5 3 50 200
load mem=acc region=const dtype=int32 sram_addr=0 dram_offset=acc y_size=1 x_size=1 lanes=4
vec op=copy dst_addr=1 src_addr=0 outer=1 inner=1
vec push_next op=clip dst_addr=1 outer=1 inner=1 imm_a=-2 imm_b=20
store pop_prev region=act dtype=int8 sram_addr=0 dram_offset=0 y_size=1 x_size=1 lanes=4 clamp_min=0 clamp_max=100
store region=act dtype=int8 sram_addr=1 dram_offset=4 y_size=1 x_size=1 lanes=4 clamp_min=-128 clamp_max=127
finish
#! expect y = 0 3 50 100  -2 3 20 20
