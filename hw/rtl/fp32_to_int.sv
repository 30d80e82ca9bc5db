// fp32 -> int32 rounded to nearest, ties to even, bit for bit x86's CVTSS2SI / CVTPS2DQ with MXCSR at its default
// (what ONNX Runtime's (int32)nearbyintf(x) compiles to): NaN, infinities and every value outside [-2^31, 2^31) give
// the "integer indefinite" 0x80000000 (INT32_MIN, which is also the right answer for exactly -2^31).
//
// x = m * 2^(e - 150) with m the 24-bit significand: e >= 158 is out of range; 150 <= e < 158 is a left shift of m
// (below 2^31); 126 <= e < 150 a right shift with rounding on the shifted-out bits; e <= 125 is |x| < 1/2, 0. Combinational: a 24-bit right shifter with round and sticky, a 7-bit left shift, a 32-bit negate.
module fp32_to_int (
  input  logic        [31:0] value_i,
  output logic signed [31:0] result_o
);

  logic [23:0] sig;
  logic [4:0]  right;      // 150 - e, 1 to 24
  logic [23:0] kept;
  logic        half, sticky;
  logic [31:0] magnitude;

  always_comb begin
    sig       = {value_i[30:23] != 8'd0, value_i[22:0]};
    right     = '0;
    kept      = '0;
    half      = 1'b0;
    sticky    = 1'b0;
    magnitude = '0;
    if (value_i[30:23] >= 8'd158) begin
      magnitude = 32'h8000_0000;  // out of range, infinity or NaN
    end else if (value_i[30:23] >= 8'd150) begin
      magnitude = 32'(sig) << (value_i[30:23] - 8'd150);
    end else if (value_i[30:23] >= 8'd126) begin
      right     = 5'(8'd150 - value_i[30:23]);
      kept      = sig >> right;
      half      = sig[right-5'd1];
      sticky    = (sig & ~(24'hff_ffff << (right - 5'd1))) != '0;
      magnitude = 32'(kept) + 32'(half && (sticky || kept[0]));
    end
    if (value_i[30:23] >= 8'd158) begin
      result_o = 32'h8000_0000;
    end else begin
      result_o = value_i[31] ? -magnitude : magnitude;
    end
  end

endmodule
