// Requantization of one int32 lane, bit for bit sim/isa/quant.hpp's requantize() (gemmlowp/TFLite):
//
//   s      = clamp(shift, -31, 31)
//   sat    = saturate_int32(acc * 2^max(s, 0))
//   high   = round(sat * mult / 2^31), ties towards +infinity; INT32_MIN * INT32_MIN saturates to INT32_MAX
//   scaled = high / 2^max(-s, 0) rounded to nearest, ties away from zero
//   out    = clamp(scaled + zero_point, lo, hi)
//
// Combinational; the vector unit and the store unit instantiate one per lane.
module requant (
  input  logic signed [31:0] acc_i,
  input  logic signed [31:0] mult_i,
  input  logic signed [31:0] shift_i,
  input  logic signed [31:0] zero_point_i,
  input  logic signed [31:0] lo_i,
  input  logic signed [31:0] hi_i,
  output logic signed [31:0] out_o
);

  localparam logic signed [63:0] Int32Min = -64'sd2147483648;
  localparam logic signed [63:0] Int32Max = 64'sd2147483647;

  logic        [5:0]  left, right;
  logic signed [63:0] shifted, product, nudged, sum;
  // The high product fits 32 bits (|sat * mult| / 2^31 <= 2^31; the one overflow, INT32_MIN^2, is replaced below).
  /* verilator lint_off UNUSEDSIGNAL */
  logic signed [63:0] high64;
  /* verilator lint_on UNUSEDSIGNAL */
  logic signed [31:0] sat, high, mask, remainder, threshold, scaled;

  always_comb begin
    // Shift amounts from the clamped exponent.
    left  = '0;
    right = '0;
    if (shift_i > 32'sd31) begin
      left = 6'd31;
    end else if (shift_i > 32'sd0) begin
      left = shift_i[5:0];
    end else if (shift_i < -32'sd31) begin
      right = 6'd31;
    end else begin
      right = 6'((-shift_i) & 32'sd63);
    end

    // Left shift in 64 bits, saturated to int32.
    shifted = 64'(acc_i) <<< left;
    if (shifted < Int32Min) begin
      sat = 32'h8000_0000;
    end else if (shifted > Int32Max) begin
      sat = 32'h7fff_ffff;
    end else begin
      sat = shifted[31:0];
    end

    // Saturating rounding doubling high multiply: (ab + nudge) / 2^31, C-style truncating division.
    product = 64'(sat) * 64'(mult_i);
    nudged  = product + ((product >= 0) ? 64'sd1073741824 : -64'sd1073741823);
    high64  = (nudged >= 0) ? (nudged >>> 31) : -((-nudged) >>> 31);
    if (sat == 32'h8000_0000 && mult_i == 32'h8000_0000) begin
      high = 32'h7fff_ffff;
    end else begin
      high = high64[31:0];
    end

    // Rounding divide by 2^right, ties away from zero.
    mask      = 32'((64'sd1 <<< right) - 64'sd1);
    remainder = high & mask;
    threshold = (mask >>> 1) + ((high < 0) ? 32'sd1 : 32'sd0);
    scaled    = (high >>> right) + ((remainder > threshold) ? 32'sd1 : 32'sd0);

    // Zero point, then the clamp.
    sum = 64'(scaled) + 64'(zero_point_i);
    if (sum < 64'(lo_i)) begin
      out_o = lo_i;
    end else if (sum > 64'(hi_i)) begin
      out_o = hi_i;
    end else begin
      out_o = sum[31:0];
    end
  end

endmodule
