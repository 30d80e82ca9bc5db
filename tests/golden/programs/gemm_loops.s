# Two-level GEMM loop with different strides on each side: iteration (o, i) reads inp row 2o+i and writes acc
# row o+2i, so with W = I the rows come out in the order a0, a2, a1, a3.
.arch tiny
.act_bytes 32
.tensor input a int8 [4,4] scale=1 zero_point=0 offset=0
.tensor output y int8 [4,4] scale=1 zero_point=0 offset=16
.label w
.const i8 1 0 0 0
.const i8 0 1 0 0
.const i8 0 0 1 0
.const i8 0 0 0 1
load mem=inp region=act dram_offset=a y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=const dram_offset=w y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev push_next outer=2 inner=2 inp_stride_outer=2 inp_stride_inner=1 acc_stride_outer=1 acc_stride_inner=2
store pop_prev region=act dtype=int8 dram_offset=y y_size=4 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
finish
#! input a = 1 2 3 4  5 6 7 8  9 10 11 12  13 14 15 16
#! expect y = 1 2 3 4  9 10 11 12  5 6 7 8  13 14 15 16
