// fp32 addition, bit for bit x86 SSE's ADDSS (MXCSR default: round to nearest even, no flush to zero, no
// denormals-are-zero): sum_o = a_i + b_i. a - b is a_i + (b_i with its sign bit flipped); for a NaN b that returns b
// with the flipped sign, where SUBSS keeps b's sign.
//
// Signed zeros as IEEE 754 in round to nearest: x + (-x) = +0, (-0) + (-0) = -0. NaNs: fp32_pkg.
//
// Datapath: the operands are ordered by magnitude, the smaller one's significand is shifted right by the exponent
// difference into three extra bits (guard, round, and a sticky bit that ORs in everything shifted further), added to
// or subtracted from the larger one's, and fp32_round normalises and rounds the 28-bit result. With exponents two or
// more apart the difference loses at most one leading bit, so the sticky bit stays below fp32_round's round bit;
// within one, nothing is shifted out and the result is exact before rounding.
// Combinational: a 31-bit magnitude compare, a 27-bit right shift, a 28-bit add, then fp32_round.
module fp32_add (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [31:0] sum_o
);

  logic [31:0] larger, smaller;             // |larger| >= |smaller|
  logic [7:0]  larger_exp, smaller_exp;     // subnormals counted at exponent 1
  logic [7:0]  distance;
  logic [26:0] larger_sig, smaller_sig;     // significand with its hidden bit, then guard, round, sticky
  logic [26:0] aligned;
  logic        lost;
  logic [27:0] total;
  logic        sign;
  logic [31:0] rounded;
  logic        a_nan, b_nan, a_inf, b_inf;  // operand classes

  always_comb begin
    if (a_i[30:0] >= b_i[30:0]) begin
      larger  = a_i;
      smaller = b_i;
    end else begin
      larger  = b_i;
      smaller = a_i;
    end
    larger_exp  = larger[30:23] == 8'd0 ? 8'd1 : larger[30:23];
    smaller_exp = smaller[30:23] == 8'd0 ? 8'd1 : smaller[30:23];
    distance    = larger_exp - smaller_exp;
    larger_sig  = {larger[30:23] != 8'd0, larger[22:0], 3'b000};
    smaller_sig = {smaller[30:23] != 8'd0, smaller[22:0], 3'b000};
    if (distance > 8'd26) begin
      aligned = '0;
      lost    = smaller_sig != '0;
    end else begin
      aligned = smaller_sig >> distance[4:0];
      lost    = (smaller_sig & ~(27'h7ff_ffff << distance[4:0])) != '0;
    end
    aligned[0] = aligned[0] | lost;

    if (larger[31] == smaller[31]) begin
      total = {1'b0, larger_sig} + {1'b0, aligned};
    end else begin
      total = {1'b0, larger_sig} - {1'b0, aligned};
    end
    // An exact zero is -0 only when both operands are -0; otherwise the larger operand's sign.
    sign = total == '0 ? a_i[31] & b_i[31] : larger[31];
  end

  // total's top bit (the carry) is worth 2^(larger_exp - 127 + 1).
  fp32_round #(.Width(28)) u_round (
    .sign_i   (sign),
    .exp_i    (11'(larger_exp) + 11'sd1),
    .sig_i    (total),
    .result_o (rounded)
  );

  assign a_nan = fp32_pkg::is_nan(a_i[30:0]);
  assign b_nan = fp32_pkg::is_nan(b_i[30:0]);
  assign a_inf = fp32_pkg::is_inf(a_i[30:0]);
  assign b_inf = fp32_pkg::is_inf(b_i[30:0]);

  always_comb begin
    if (a_nan || b_nan) begin
      sum_o = fp32_pkg::propagate_nan(a_i, b_i);
    end else if (a_inf && b_inf && a_i[31] != b_i[31]) begin
      sum_o = fp32_pkg::DefaultNan;
    end else if (a_inf) begin
      sum_o = a_i;
    end else if (b_inf) begin
      sum_o = b_i;
    end else begin
      sum_o = rounded;
    end
  end

endmodule
