// fp32 multiplication, bit for bit x86 SSE's MULSS (MXCSR default: round to nearest even, no flush to zero, no
// denormals-are-zero): product_o = a_i * b_i. The sign is always a's xor b's (a zero product included); 0 * inf is
// the default NaN; NaNs: fp32_pkg.
//
// Datapath: the exact 48-bit product of the 24-bit significands (subnormals with a clear hidden bit, counted at
// exponent 1), which fp32_round normalises (a subnormal operand leaves leading zeros) and rounds; nothing is dropped
// before rounding. Combinational: a 24 x 24 multiply (DSPs on an FPGA), then fp32_round at 48 bits.
module fp32_mul (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [31:0] product_o
);

  logic        sign;
  logic [7:0]  a_exp, b_exp;  // subnormals counted at exponent 1
  logic [47:0] sig;
  logic [31:0] rounded;
  logic        a_nan, b_nan, a_inf, b_inf, a_zero, b_zero;  // operand classes

  always_comb begin
    sign  = a_i[31] ^ b_i[31];
    a_exp = a_i[30:23] == 8'd0 ? 8'd1 : a_i[30:23];
    b_exp = b_i[30:23] == 8'd0 ? 8'd1 : b_i[30:23];
    sig   = 48'({a_i[30:23] != 8'd0, a_i[22:0]}) * 48'({b_i[30:23] != 8'd0, b_i[22:0]});
  end

  // sig's top bit is worth 2^(a_exp - 127 - 23 + b_exp - 127 - 23 + 47), that is 2^((a_exp + b_exp - 126) - 127).
  fp32_round #(.Width(48)) u_round (
    .sign_i   (sign),
    .exp_i    (11'(a_exp) + 11'(b_exp) - 11'sd126),
    .sig_i    (sig),
    .result_o (rounded)
  );

  assign a_nan  = fp32_pkg::is_nan(a_i[30:0]);
  assign b_nan  = fp32_pkg::is_nan(b_i[30:0]);
  assign a_inf  = fp32_pkg::is_inf(a_i[30:0]);
  assign b_inf  = fp32_pkg::is_inf(b_i[30:0]);
  assign a_zero = fp32_pkg::is_zero(a_i[30:0]);
  assign b_zero = fp32_pkg::is_zero(b_i[30:0]);

  always_comb begin
    if (a_nan || b_nan) begin
      product_o = fp32_pkg::propagate_nan(a_i, b_i);
    end else if ((a_inf && b_zero) || (a_zero && b_inf)) begin
      product_o = fp32_pkg::DefaultNan;
    end else if (a_inf || b_inf) begin
      product_o = {sign, 8'hff, 23'd0};
    end else begin
      product_o = rounded;
    end
  end

endmodule
