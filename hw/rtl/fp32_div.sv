// fp32 division, bit for bit x86 SSE's DIVSS (MXCSR default: round to nearest even, no flush to zero, no
// denormals-are-zero): quotient_o = a_i / b_i. The sign is always a's xor b's; x / 0 (x finite, nonzero) and
// inf / y (y finite) are infinite, x / inf (x finite) and 0 / y (y nonzero) zero; 0 / 0 and inf / inf are the default
// NaN; NaNs: fp32_pkg.
//
// Datapath: both significands are normalised to [2^23, 2^24) (a subnormal operand shifted up by its leading zeros,
// its exponent down), then a non-restoring division produces 26 quotient bits of a_sig / b_sig in (1/2, 2), i.e. 24
// significand bits, a round bit and one more where a_sig < b_sig, and a sticky bit (remainder nonzero); fp32_round
// normalises (by at most one bit) and rounds them, also into the subnormal range.
// Combinational, depth: two 24-bit leading-zero counts and shifts, then 26 dependent 26-bit add/subtract stages (the
// critical path: 26 carry chains, each stage's sign choosing the next one's operation), then fp32_round at 27 bits.
module fp32_div (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [31:0] quotient_o
);

  logic               sign;
  logic [5:0]         a_lead, b_lead;
  logic [23:0]        a_sig, b_sig;      // normalised: top bit set
  logic signed [10:0] a_exp, b_exp;      // a = a_sig * 2^(a_exp - 127 - 23), down to -22 for a subnormal
  logic [25:0]        partial, minus_b;  // two's complement
  logic [25:0]        quotient;          // floor(a_sig * 2^25 / b_sig)
  logic               inexact;
  logic [31:0]        rounded;
  logic               a_nan, b_nan, a_inf, b_inf, a_zero, b_zero;

  always_comb begin
    sign   = a_i[31] ^ b_i[31];
    a_lead = fp32_pkg::leading_zeros({a_i[30:23] != 8'd0, a_i[22:0], 24'd0});
    b_lead = fp32_pkg::leading_zeros({b_i[30:23] != 8'd0, b_i[22:0], 24'd0});
    a_sig  = {a_i[30:23] != 8'd0, a_i[22:0]} << a_lead;
    b_sig  = {b_i[30:23] != 8'd0, b_i[22:0]} << b_lead;
    a_exp  = (a_i[30:23] == 8'd0 ? 11'sd1 : 11'(a_i[30:23])) - 11'(a_lead);
    b_exp  = (b_i[30:23] == 8'd0 ? 11'sd1 : 11'(b_i[30:23])) - 11'(b_lead);

    // Non-restoring division, one quotient bit per stage, most significant first: the partial remainder r, in
    // [-b_sig, b_sig), is doubled and b_sig subtracted where r is not negative, added where it is (the restoring step
    // folded into the next one); the quotient bit is 1 where the new r is not negative.
    minus_b      = -{2'b00, b_sig};
    partial      = {2'b00, a_sig} + minus_b;
    quotient[25] = !partial[25];
    for (int i = 24; i >= 0; i--) begin
      // -b_sig is ~b_sig + 1: the + 1 fills the doubled remainder's clear LSB, so one adder does either.
      partial     = {partial[24:0], !partial[25]} + ({26{!partial[25]}} ^ {2'b00, b_sig});
      quotient[i] = !partial[25];
    end
    // The remainder is r, or r + b_sig where r is negative: zero where r is 0 or -b_sig.
    inexact = partial != '0 && partial != minus_b;
  end

  // {quotient, inexact} is a_sig / b_sig * 2^26: its top bit is worth 2^((a_exp - b_exp + 127) - 127).
  fp32_round #(.Width(27)) u_round (
    .sign_i   (sign),
    .exp_i    (a_exp - b_exp + 11'sd127),
    .sig_i    ({quotient, inexact}),
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
      quotient_o = fp32_pkg::propagate_nan(a_i, b_i);
    end else if ((a_zero && b_zero) || (a_inf && b_inf)) begin
      quotient_o = fp32_pkg::DefaultNan;
    end else if (a_inf || b_zero) begin
      quotient_o = {sign, 8'hff, 23'd0};
    end else if (a_zero || b_inf) begin
      quotient_o = {sign, 31'd0};
    end else begin
      quotient_o = rounded;
    end
  end

endmodule
