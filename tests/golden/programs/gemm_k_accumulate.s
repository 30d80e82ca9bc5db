# K = 8 over a 4-deep array: two k-tiles, the second accumulating. W = [I; I], so y[m][n] = a[m][n] + a[m][n+4].
.arch tiny
.act_bytes 48
.tensor input a int8 [2,8] scale=1 zero_point=0 offset=0
.tensor output y int32 [2,4] scale=1 zero_point=0 offset=16
.label w
.const i8 1 0 0 0
.const i8 0 1 0 0
.const i8 0 0 1 0
.const i8 0 0 0 1
.const i8 1 0 0 0
.const i8 0 1 0 0
.const i8 0 0 1 0
.const i8 0 0 0 1
load mem=inp region=act sram_addr=0 dram_offset=a y_size=2 x_size=1 lanes=4 y_stride=8
load mem=inp region=act sram_addr=2 dram_offset=a+4 y_size=2 x_size=1 lanes=4 y_stride=8
load push_next mem=wgt region=const dram_offset=w y_size=8 x_size=1 lanes=4 y_stride=4
gemm pop_prev accumulate=0 wgt_addr=0 inp_addr=0 outer=1 inner=2 inp_stride_inner=1 acc_stride_inner=1
gemm push_next accumulate=1 wgt_addr=4 inp_addr=2 outer=1 inner=2 inp_stride_inner=1 acc_stride_inner=1
store pop_prev region=act dtype=int32 dram_offset=y y_size=2 x_size=1 lanes=4 y_stride=16
finish
#! input a = 1 2 3 4 5 6 7 8  10 -20 30 -40 1 2 3 4
#! expect y = 6 8 10 12  11 -18 33 -36
