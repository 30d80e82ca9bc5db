// Weight-stationary int8 processing element of the systolic array (systolic_array.sv).
//
// Dataflow, one cycle per hop:
//   - the weight register is loaded through a shift chain: while `wgt_shift_i` is high it takes `wgt_i` (the weight
//     of the PE above, or the array's preload lane for the top row) and `wgt_o` shows it to the PE below;
//   - the int8 input arriving from the left is multiplied by the weight (signed int8 x int8, exact in 16 bits) and
//     added to the int32 partial sum arriving from above (two's-complement, wraps modulo 2^32);
//   - the sum (down) and the input (right) are registered.
// Timing: psum_o and inp_o at cycle t + 1 are psum_i + inp_i * weight and inp_i of cycle t; a weight shifted in at
// cycle t is used from cycle t + 1.
//
// Data-path registers have no reset (they carry no control state; the array tracks validity beside them), which
// also lets an FPGA flow pack the multiply-add and its registers into one DSP slice.
module pe (
  input  logic               clk_i,
  input  logic               wgt_shift_i,  // load the weight register from wgt_i this cycle
  input  logic signed [7:0]  wgt_i,        // weight from the PE above (top row: the array's preload lane)
  output logic signed [7:0]  wgt_o,        // this PE's weight, to the PE below
  input  logic signed [7:0]  inp_i,        // input from the PE on the left
  output logic signed [7:0]  inp_o,        // inp_i one cycle later, to the PE on the right
  input  logic signed [31:0] psum_i,       // partial sum from the PE above (top row: 0)
  output logic signed [31:0] psum_o        // psum_i + inp_i * weight, one cycle later, to the PE below
);

  logic signed [7:0]  wgt_q;
  logic signed [7:0]  inp_q;
  logic signed [31:0] psum_q;
  logic signed [15:0] prod;

  // Both operands signed and sign-extended to 16 bits first: -128 * -128 = 16384 fits.
  assign prod = 16'(inp_i) * 16'(wgt_q);

  always_ff @(posedge clk_i) begin
    if (wgt_shift_i) begin
      wgt_q <= wgt_i;
    end
  end

  always_ff @(posedge clk_i) begin
    inp_q  <= inp_i;
    psum_q <= psum_i + 32'(prod);
  end

  assign wgt_o  = wgt_q;
  assign inp_o  = inp_q;
  assign psum_o = psum_q;

endmodule
