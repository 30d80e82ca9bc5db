# Double buffering with dependency tokens: four 4-row tiles of a through two input buffers (inp rows 0-3, 4-7)
# and two accumulator buffers (acc rows 0-3, 4-7). The load unit reuses an input buffer only after the compute
# unit returns it (pop_next); the compute unit reuses an accumulator buffer only after the store unit returns it.
# y = a x 3I.
.arch tiny
.act_bytes 128
.tensor input a int8 [16,4] scale=1 zero_point=0 offset=0
.tensor output y int8 [16,4] scale=1 zero_point=0 offset=64
.label w
.const i8 3 0 0 0  0 3 0 0  0 0 3 0  0 0 0 3
load mem=wgt region=const dram_offset=w y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=inp region=act sram_addr=0 dram_offset=a y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=inp region=act sram_addr=4 dram_offset=a+16 y_size=4 x_size=1 lanes=4 y_stride=4
load pop_next push_next mem=inp region=act sram_addr=0 dram_offset=a+32 y_size=4 x_size=1 lanes=4 y_stride=4
load pop_next push_next mem=inp region=act sram_addr=4 dram_offset=a+48 y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev push_prev push_next inp_addr=0 acc_addr=0 outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
gemm pop_prev push_prev push_next inp_addr=4 acc_addr=4 outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
gemm pop_prev pop_next push_next inp_addr=0 acc_addr=0 outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
gemm pop_prev pop_next push_next inp_addr=4 acc_addr=4 outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
store pop_prev push_prev region=act dtype=int8 sram_addr=0 dram_offset=y y_size=4 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
store pop_prev push_prev region=act dtype=int8 sram_addr=4 dram_offset=y+16 y_size=4 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
store pop_prev region=act dtype=int8 sram_addr=0 dram_offset=y+32 y_size=4 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
store pop_prev region=act dtype=int8 sram_addr=4 dram_offset=y+48 y_size=4 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
finish
#! input a = 1 2 3 4  5 6 7 8  9 10 11 12  13 14 15 16  -1 -2 -3 -4  -5 -6 -7 -8  -9 -10 -11 -12  -13 -14 -15 -16  0 1 0 1  2 0 2 0  40 41 42 43  -40 -41 -42 -43  20 21 22 23  24 25 26 27  28 29 30 31  32 33 34 35
#! expect y = 3 6 9 12  15 18 21 24  27 30 33 36  39 42 45 48  -3 -6 -9 -12  -15 -18 -21 -24  -27 -30 -33 -36  -39 -42 -45 -48  0 3 0 3  6 0 6 0  120 123 126 127  -120 -123 -126 -128  60 63 66 69  72 75 78 81  84 87 90 93  96 99 102 105
