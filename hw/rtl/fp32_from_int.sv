// int32 -> fp32, bit for bit x86's CVTSI2SS (MXCSR default: round to nearest even): |value| (2^31 for INT32_MIN
// fits 32 unsigned bits) is normalised and rounded by fp32_round; 0 gives +0. Values above 2^24 round.
// Combinational: a 32-bit negate, then fp32_round at 32 bits.
module fp32_from_int (
  input  logic signed [31:0] value_i,
  output logic        [31:0] result_o
);

  logic [31:0] magnitude;

  assign magnitude = value_i[31] ? 32'(-value_i) : 32'(value_i);

  // magnitude's top bit is worth 2^31 = 2^(158 - 127).
  fp32_round #(.Width(32)) u_round (
    .sign_i   (value_i[31]),
    .exp_i    (11'sd158),
    .sig_i    (magnitude),
    .result_o (result_o)
  );

endmodule
