# 3x3 convolution, one channel, all-ones kernel, padding 1 on every side, input zero point 2.
# The DMA pads with the zero point (pad_value=2) into a 6x6 tile; the bias holds -zp * sum(w) = -18, so
# y = the 3x3 box sum of (x - 2) with zero padding. Nine GEMMs, one per kernel position (ky, kx): iteration
# (oy, ox) reads tile row (oy+ky)*6 + (ox+kx) and accumulates into acc row oy*4 + ox.
.arch tiny
.act_bytes 32
.tensor input x int8 [4,4] scale=1 zero_point=2 offset=0
.tensor output y int8 [4,4] scale=1 zero_point=0 offset=16
.label w
.const i8 1 0 0 0  0 0 0 0  0 0 0 0  0 0 0 0
.label bias
.const i32 -18 0 0 0
load mem=inp region=act dram_offset=x y_size=4 x_size=4 lanes=1 x_stride=1 y_stride=4 pad_value=2 pad_top=1 pad_bottom=1 pad_left=1 pad_right=1
load push_next mem=wgt region=const dram_offset=w y_size=4 x_size=1 lanes=4 y_stride=4
load mem=acc region=const dtype=int32 sram_addr=16 dram_offset=bias y_size=1 x_size=1 lanes=4
vec op=copy dst_addr=0 src_addr=16 outer=1 inner=16 dst_stride_inner=1
gemm pop_prev accumulate=1 inp_addr=0 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
gemm accumulate=1 inp_addr=1 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
gemm accumulate=1 inp_addr=2 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
gemm accumulate=1 inp_addr=6 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
gemm accumulate=1 inp_addr=7 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
gemm accumulate=1 inp_addr=8 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
gemm accumulate=1 inp_addr=12 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
gemm accumulate=1 inp_addr=13 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
gemm push_next accumulate=1 inp_addr=14 outer=4 inner=4 inp_stride_outer=6 inp_stride_inner=1 acc_stride_outer=4 acc_stride_inner=1
store pop_prev region=act dtype=int8 dram_offset=y y_size=4 x_size=4 lanes=1 x_stride=1 y_stride=4 clamp_min=-128 clamp_max=127
finish
#! input x = 2 3 4 5  6 7 8 9  10 11 12 13  14 15 16 17
#! expect y = 10 18 24 18  27 45 54 39  51 81 90 63  42 66 72 50
