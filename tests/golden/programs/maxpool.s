# 2x2 max pool, stride 2, on a 4x4 NHWC tile with 4 channels. Pixel (y, x) of channel c holds (4y + x) * s[c],
# s = 1, -1, 2, -2. The first window element is copied, the other three are folded in with max; each vec walks
# the 2x2 outputs with a two-level loop (source strides 8 rows per output row, 2 per output column).
.arch tiny
.act_bytes 80
.tensor input x int8 [4,4,4] scale=1 zero_point=0 offset=0
.tensor output y int8 [2,2,4] scale=1 zero_point=0 offset=64
load mem=acc region=act dtype=int8 sram_addr=0 dram_offset=x y_size=4 x_size=4 lanes=4 x_stride=4 y_stride=16
vec op=copy dst_addr=16 src_addr=0 outer=2 inner=2 dst_stride_outer=2 dst_stride_inner=1 src_stride_outer=8 src_stride_inner=2
vec op=max dst_addr=16 src_addr=1 outer=2 inner=2 dst_stride_outer=2 dst_stride_inner=1 src_stride_outer=8 src_stride_inner=2
vec op=max dst_addr=16 src_addr=4 outer=2 inner=2 dst_stride_outer=2 dst_stride_inner=1 src_stride_outer=8 src_stride_inner=2
vec push_next op=max dst_addr=16 src_addr=5 outer=2 inner=2 dst_stride_outer=2 dst_stride_inner=1 src_stride_outer=8 src_stride_inner=2
store pop_prev region=act dtype=int8 sram_addr=16 dram_offset=y y_size=2 x_size=2 lanes=4 x_stride=4 y_stride=8 clamp_min=-128 clamp_max=127
finish
#! input x = 0 0 0 0  1 -1 2 -2  2 -2 4 -4  3 -3 6 -6  4 -4 8 -8  5 -5 10 -10  6 -6 12 -12  7 -7 14 -14  8 -8 16 -16  9 -9 18 -18  10 -10 20 -20  11 -11 22 -22  12 -12 24 -24  13 -13 26 -26  14 -14 28 -28  15 -15 30 -30
#! expect y = 5 0 10 0  7 -2 14 -4  13 -8 26 -16  15 -10 30 -20
