// Output-stationary int8 processing element of the systolic array (systolic_array_os.sv).
//
// The PE keeps one output element: inputs flow right, weights flow down, and the int32 sum of their products stays
// in the accumulator register. Each hop takes one cycle:
//   - `inp_i` and `first_i` arrive from the left and leave on the right one cycle later; `wgt_i` arrives from above
//     and leaves below one cycle later;
//   - every cycle the accumulator adds inp_i * wgt_i (signed int8 x int8, exact in 16 bits; the sum wraps modulo
//     2^32), except in a cycle with `first_i` high (the first product of a new output element), when it restarts
//     from that product and hands its finished sum to the result register;
//   - the result registers of a column form a drain chain: in every other cycle the result register takes the
//     result arriving from the PE above (through one pipeline register, `res_in_q`), and `res_o` shows it to the
//     PE below. The extra register per hop matches the array's skew (each row runs one cycle behind the row above),
//     so in each row's own time the whole column shifts down by one row per cycle and the bottom PE shows the
//     results of the rows above it, bottom first.
// Timing: with first_i high at cycle t, res_o shows the finished sum from t + 1, and the result of the PE above
// whose first_i was high at t - 1 from t + 2.
//
// Data-path registers have no reset (they carry no control state; the schedule tracks validity beside them).
module pe_os (
  input  logic               clk_i,
  input  logic               first_i,  // inp_i * wgt_i is the first product of a new output element
  output logic               first_o,  // first_i one cycle later, to the PE on the right
  input  logic signed [7:0]  inp_i,    // input from the PE on the left
  output logic signed [7:0]  inp_o,    // inp_i one cycle later, to the PE on the right
  input  logic signed [7:0]  wgt_i,    // weight from the PE above
  output logic signed [7:0]  wgt_o,    // wgt_i one cycle later, to the PE below
  input  logic signed [31:0] res_i,    // result drained from the PE above (top row: 0)
  output logic signed [31:0] res_o     // this PE's result register, to the PE below
);

  logic               first_q;
  logic signed [7:0]  inp_q, wgt_q;
  logic signed [31:0] acc_q, res_q, res_in_q;
  logic signed [15:0] prod;

  // Both operands signed and sign-extended to 16 bits first: -128 * -128 = 16384 fits.
  assign prod = 16'(inp_i) * 16'(wgt_i);

  always_ff @(posedge clk_i) begin
    first_q  <= first_i;
    inp_q    <= inp_i;
    wgt_q    <= wgt_i;
    acc_q    <= (first_i ? 32'sd0 : acc_q) + 32'(prod);
    res_in_q <= res_i;
    res_q    <= first_i ? acc_q : res_in_q;
  end

  assign first_o = first_q;
  assign inp_o   = inp_q;
  assign wgt_o   = wgt_q;
  assign res_o   = res_q;

endmodule
