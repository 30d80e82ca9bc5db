# Host steps around an accelerator segment: the host quantizes the float input (scale 0.5, zero point -3), the
# accelerator computes q x 2I into an internal tensor, and the host dequantizes it (scale 1, zero point 0).
# x = 1.0 -1.5 20 -70.25 -> q = round_half_even(x / 0.5) - 3 = -1 -6 37 -143 (saturated to -128). The GEMM
# multiplies the stored int8 values (no zero-point fold in this test): r = 2q = -2 -12 74 -256, dequantized as is.
.arch tiny
.act_bytes 64
.tensor input x float32 [1,4] scale=1 zero_point=0 offset=0
.tensor internal q int8 [1,4] scale=0.5 zero_point=-3 offset=16
.tensor internal r int32 [1,4] scale=1 zero_point=0 offset=32
.tensor output y float32 [1,4] scale=1 zero_point=0 offset=48
.label w
.const i8 2 0 0 0  0 2 0 0  0 0 2 0  0 0 0 2
.host quantize in=x out=q layer=quantize_x
.layer double
load mem=inp region=act dram_offset=q y_size=1 x_size=1 lanes=4
load push_next mem=wgt region=const dram_offset=w y_size=4 x_size=1 lanes=4 y_stride=4
gemm pop_prev push_next outer=1 inner=1
store pop_prev region=act dtype=int32 dram_offset=r y_size=1 x_size=1 lanes=4
finish
.host dequantize in=r out=y layer=dequantize_r
#! input x = 1.0 -1.5 20 -70.25
#! expect y = -2 -12 74 -256
