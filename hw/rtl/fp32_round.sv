// Normalise and round to fp32, the last step of fp32_add, fp32_mul, fp32_div and fp32_from_int:
//
//   result = fp32_rne((-1)^sign * sig * 2^(exp - 127 - (Width - 1)))
//
// so exp is the biased exponent the result would have if sig's top bit were set. sig may have leading zeros (a
// cancellation, a subnormal operand) and any exponent (below 1: the result is subnormal or zero; above 254 after
// normalising: infinity). Round to nearest, ties to even, at fp32's 24 bits or at the subnormal grid 2^-149; the
// bits below the round bit act as the sticky bit, so a caller that dropped nonzero bits ORs them into sig's LSB
// (fp32_add, fp32_div: their sig is normalised to within two bits, so that LSB stays below the round bit).
// A zero sig gives a zero of the given sign.
//
// The rounding increment is added to {exponent field, fraction}: a carry out of the fraction moves the exponent up
// (1.11..1 -> 10.0, the largest subnormal -> the smallest normal, the largest finite -> infinity).
//
// Combinational: a leading-zero count, a left shift (by the leading zeros) or a right shift (into the subnormal range)
// with a sticky mask, a 31-bit increment.
module fp32_round #(
  parameter int Width = 28  // 26 to 48: 24 significand bits, a round bit and at least one sticky bit
) (
  input  logic                    sign_i,
  input  logic signed [10:0]      exp_i,
  input  logic        [Width-1:0] sig_i,
  output logic        [31:0]      result_o
);

  localparam int ShiftBits = $clog2(Width + 1);

  logic [5:0]           lead;         // leading zeros of sig_i (Width when zero)
  logic signed [10:0]   normal_exp;   // exp_i - lead: the exponent field of a normal result
  logic [ShiftBits-1:0] left, right;  // right: only for exp_i < 1, saturated at Width (every bit to sticky)
  logic [Width-1:0]     shifted;      // top bit set: normal; clear: subnormal or zero
  logic                 lost;         // nonzero bits shifted out to the right
  logic [7:0]           field;
  logic                 round_bit, sticky;
  logic [30:0]          magnitude;

  always_comb begin
    lead       = fp32_pkg::leading_zeros(48'(sig_i) << (48 - Width));
    normal_exp = exp_i - 11'(lead);
    left       = '0;
    right      = '0;
    if (normal_exp >= 11'sd1) begin
      left = ShiftBits'(lead);
    end else if (exp_i >= 11'sd1) begin
      left = ShiftBits'(exp_i - 11'sd1);  // < lead: the top bit stays clear, subnormal
    end else if (exp_i > 11'sd1 - 11'(Width)) begin
      right = ShiftBits'(11'sd1 - exp_i);
    end else begin
      right = ShiftBits'(Width);
    end
    shifted = (sig_i << left) >> right;
    lost    = (sig_i & ~({Width{1'b1}} << right)) != '0;

    field     = shifted[Width-1] ? normal_exp[7:0] : 8'd0;
    round_bit = shifted[Width-25];
    sticky    = shifted[Width-26:0] != '0 || lost;
    magnitude = {field, shifted[Width-2 -: 23]} +
                31'(round_bit && (sticky || shifted[Width-24]));

    if (sig_i == '0) begin
      result_o = {sign_i, 31'd0};
    end else if (shifted[Width-1] && normal_exp >= 11'sd255) begin
      result_o = {sign_i, 8'hff, 23'd0};  // overflow before rounding
    end else begin
      result_o = {sign_i, magnitude};
    end
  end

endmodule
