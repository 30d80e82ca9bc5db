# A DRAM round trip ordered by sync: t = a x 2I is stored to an intermediate act buffer, sync waits for every unit
# to drain, then t is loaded back and y = t x 2I. Without the sync the second load would race with the store.
.arch tiny
.act_bytes 48
.tensor input a int8 [4,4] scale=1 zero_point=0 offset=0
.tensor output y int8 [4,4] scale=1 zero_point=0 offset=32
.set t 16
.label w
.const i8 2 0 0 0  0 2 0 0  0 0 2 0  0 0 0 2
load mem=inp region=act dram_offset=a y_size=4 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=const dram_offset=w y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev push_next outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
store pop_prev region=act dtype=int8 dram_offset=t y_size=4 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
sync
load push_next mem=inp region=act dram_offset=t y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev push_next outer=1 inner=4 inp_stride_inner=1 acc_stride_inner=1
store pop_prev region=act dtype=int8 dram_offset=y y_size=4 x_size=1 lanes=4 y_stride=4 clamp_min=-128 clamp_max=127
finish
#! input a = 1 2 3 4  -1 -2 -3 -4  10 20 30 40  -30 -31 -32 -33
#! expect y = 4 8 12 16  -4 -8 -12 -16  40 80 120 127  -120 -124 -128 -128
