# One 4x4 tile: y = a x 2I, stored as raw int32 accumulators (no requantization).
.arch tiny
.act_bytes 80
.tensor input a int8 [4,4] scale=1 zero_point=0 offset=0
.tensor output y int32 [4,4] scale=1 zero_point=0 offset=16
.label w
.const i8 2 0 0 0
.const i8 0 2 0 0
.const i8 0 0 2 0
.const i8 0 0 0 2
load mem=inp region=act dram_offset=a y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=const dram_offset=w y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev push_next outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
store pop_prev region=act dtype=int32 dram_offset=y y_size=4 x_size=1 lanes=4 y_stride=16
finish
#! input a = 1 2 3 4  -1 -2 -3 -4  127 -128 0 5  10 20 30 40
#! expect y = 2 4 6 8  -2 -4 -6 -8  254 -256 0 10  20 40 60 80
