# uint8 activations: the load flips the sign bit (u - 128) so the array multiplies int8 x int8, and the bias
# folds the remaining zero point: -(zp - 128) * sum_k w = -(130 - 128) * 1 = -2. With W = I, y = a - 130.
.arch tiny
.act_bytes 40
.tensor input a uint8 [2,4] scale=1 zero_point=130 offset=0
.tensor output y int32 [2,4] scale=1 zero_point=0 offset=8
.label w
.const i8 1 0 0 0  0 1 0 0  0 0 1 0  0 0 0 1
.label bias
.const i32 -2 -2 -2 -2
load mem=inp region=act dtype=uint8 dram_offset=a y_size=2 x_size=1 lanes=4 y_stride=4
load push_next mem=wgt region=const dram_offset=w y_size=4 x_size=1 lanes=4 y_stride=4
load mem=acc region=const dtype=int32 sram_addr=8 dram_offset=bias y_size=1 x_size=1 lanes=4
vec op=copy dst_addr=0 src_addr=8 outer=1 inner=2 dst_stride_inner=1
gemm pop_prev push_next accumulate=1 outer=1 inner=2 inp_stride_inner=1 acc_stride_inner=1
store pop_prev region=act dtype=int32 dram_offset=y y_size=2 x_size=1 lanes=4 y_stride=16
finish
#! input a = 130 131 0 255  100 200 129 128
#! expect y = 0 1 -130 125  -30 70 -1 -2
