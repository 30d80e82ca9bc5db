# Requantization by 1518500250 * 2^-31 (~0.70711) then int8 saturation on the store.
# 100 -> 70.71 -> 71; -100 -> -71; 1000 -> 707 -> 127; -1000 -> -707 -> -128; 181 -> 127.99 -> 128 -> 127.
.arch tiny
.act_bytes 8
.tensor output y int8 [2,4] scale=1 zero_point=0 offset=0
.label acc
.const i32 100 -100 1000 -1000
.const i32 0 1 -1 181
.label params
.const i32 1518500250 1518500250 1518500250 1518500250
.const i32 0 0 0 0
.const i32 0 0 0 0
load mem=acc region=const dtype=int32 sram_addr=0 dram_offset=acc y_size=2 x_size=1 lanes=4 y_stride=16
load push_next mem=acc region=const dtype=int32 sram_addr=2 dram_offset=params y_size=3 x_size=1 lanes=4 y_stride=16
store pop_prev region=act dtype=int8 requant=1 param_addr=2 dram_offset=y y_size=2 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
finish
#! expect y = 71 -71 127 -128  0 1 -1 127
