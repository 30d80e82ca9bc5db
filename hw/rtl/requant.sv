// Requantization of one int32 lane, bit for bit sim/isa/quant.hpp's requantize() (ONNX Runtime's MLAS):
//
//   v   = fp32(acc) * scale       two roundings to nearest even at a 24-bit significand: int32 -> fp32, then the product
//   out = clamp(rne(v) + zero_point, lo, hi)
//
// in integer logic, no floating-point unit:
//   1. |acc| is normalised (leading-zero count) and rounded to 24 bits: a * 2^ea, a in [2^23, 2^24);
//   2. the 24 x 24 product a * m (m the scale's significand with its hidden bit) is rounded to 24 bits: q * 2^eq;
//   3. q * 2^eq is rounded half to even to an integer; |v| >= 2^33 saturates (the zero point and the clamp cannot
//      bring it back into int32), so the integer needs 34 bits;
//   4. the sign (acc's xor the scale's), the zero point and the clamp.
// A zero or subnormal scale gives 0 (fp32 gives a product below 2^-95, which rounds to 0); an infinite or NaN scale
// saturates by sign (0 when acc is 0). Products that fp32 would make subnormal are below 2^-126 and round to 0 in
// step 3 as here; products that fp32 would make infinite saturate in step 3 as here.
//
// Combinational; the vector unit and the store unit instantiate one per lane. tests/cosim/test_rtl_requant.cpp
// checks it against quant.hpp over every scale significand.
module requant (
  input  logic signed [31:0] acc_i,
  input  logic        [31:0] scale_i,  // fp32 bit pattern
  input  logic signed [31:0] zero_point_i,
  input  logic signed [31:0] lo_i,
  input  logic signed [31:0] hi_i,
  output logic signed [31:0] out_o
);

  localparam int Bias = 127 + 23;  // scale = m * 2^(exponent - Bias), m with its hidden bit

  logic        negative, acc_zero, scale_zero, scale_special;
  logic [31:0] magnitude, normalised;
  logic [5:0]  lead;          // leading zeros of magnitude (32 when zero)
  logic [24:0] a_rounded;     // 24-bit significand of fp32(acc) before renormalising a carry out
  logic [23:0] a, m;
  logic signed [10:0] ea;     // fp32(acc) = a * 2^ea
  logic [47:0] product;
  logic [24:0] q_rounded;
  logic [23:0] q;
  logic signed [10:0] eq;     // v = q * 2^eq
  logic [33:0] whole;         // rne(|v|), saturated to 2^33
  logic [5:0]  right;
  logic [23:0] kept;
  logic        half, sticky;
  logic signed [35:0] signed_whole, sum;

  always_comb begin
    negative      = acc_i[31] ^ scale_i[31];
    acc_zero      = acc_i == '0;
    scale_zero    = scale_i[30:23] == 8'd0;
    scale_special = scale_i[30:23] == 8'hff;

    // 1. fp32(acc): normalise |acc| so its top bit is set, keep 24 bits, round to nearest even on the 8 below.
    magnitude = acc_i[31] ? 32'(-acc_i) : 32'(acc_i);
    lead = 6'd32;
    for (int i = 0; i < 32; i++) begin
      if (magnitude[i]) lead = 6'(31 - i);
    end
    normalised = magnitude << lead;
    a_rounded  = {1'b0, normalised[31:8]} +
                 25'(normalised[7] && (normalised[6:0] != '0 || normalised[8]));
    a  = a_rounded[24] ? a_rounded[24:1] : a_rounded[23:0];
    ea = 11'sd8 - 11'(lead) + (a_rounded[24] ? 11'sd1 : 11'sd0);

    // 2. The product of the significands, rounded to 24 bits.
    m       = {1'b1, scale_i[22:0]};
    product = 48'(a) * 48'(m);
    if (product[47]) begin
      q_rounded = {1'b0, product[47:24]} + 25'(product[23] && (product[22:0] != '0 || product[24]));
      eq = ea + 11'($signed({3'b000, scale_i[30:23]})) - 11'(Bias) + 11'sd24;
    end else begin
      q_rounded = {1'b0, product[46:23]} + 25'(product[22] && (product[21:0] != '0 || product[23]));
      eq = ea + 11'($signed({3'b000, scale_i[30:23]})) - 11'(Bias) + 11'sd23;
    end
    q  = q_rounded[24] ? q_rounded[24:1] : q_rounded[23:0];
    eq = eq + (q_rounded[24] ? 11'sd1 : 11'sd0);

    // 3. rne(q * 2^eq): a left shift below 2^33, a saturation above, or a right shift with rounding.
    right  = '0;
    kept   = '0;
    half   = 1'b0;
    sticky = 1'b0;
    if (eq >= 11'sd10) begin
      whole = 34'h2_0000_0000;  // q >= 2^23, so |v| >= 2^33
    end else if (eq >= 11'sd0) begin
      whole = 34'(q) << eq[3:0];
    end else if (eq < -11'sd24) begin
      whole = '0;  // |v| < 2^24 * 2^-25 = 0.5
    end else begin
      right  = 6'(-eq);
      kept   = q >> right;
      half   = (q & (24'd1 << (right - 6'd1))) != '0;
      sticky = (q & ((24'd1 << (right - 6'd1)) - 24'd1)) != '0;
      whole  = 34'(kept) + 34'(half && (sticky || kept[0]));
    end
    if (acc_zero || scale_zero) whole = '0;
    else if (scale_special) whole = 34'h2_0000_0000;

    // 4. Sign, zero point, clamp.
    signed_whole = $signed({2'b00, whole});
    if (negative) signed_whole = -signed_whole;
    sum = signed_whole + 36'(zero_point_i);
    if (sum < 36'(lo_i)) begin
      out_o = lo_i;
    end else if (sum > 36'(hi_i)) begin
      out_o = hi_i;
    end else begin
      out_o = sum[31:0];
    end
  end

endmodule
