// Weight-stationary int8 systolic array: Rows x Cols PEs (pe.sv), int32 results.
//
// PE(k, c) sits in row k (reduction index, top = 0) and column c (output lane, left = 0). Inputs flow right,
// partial sums flow down, weights stay. Lanes are packed into flat vectors, lane 0 in the least significant bits
// (Yosys 0.23 reads no packed 2-D arrays).
//
// Weight preload: each cycle with wgt_valid_i high pushes one weight row (Cols int8 lanes, lane c in
// wgt_row_i[8c +: 8]) into the top row while every row shifts down by one; a row pushed at cycle t is in place
// from t + 1. After Rows pushes the FIRST row pushed is in the BOTTOM row: to hold w[k][c] in PE(k, c), push
// w[Rows-1] first and w[0] last.
//
// Input stream: each cycle with inp_valid_i high presents one input row x (Rows int8 lanes, x[k] in
// inp_row_i[8k +: 8]). The array skews it (x[k] reaches PE(k, c) k + c cycles later) and de-skews the column sums,
// so the whole output row
//     out_row_o[32c +: 32] = sum_k x[k] * w[k][c]    (int8 x int8 products, int32 wrapping sum)
// comes out with out_valid_o high exactly
//     Latency = Rows + Cols - 1 cycles after its input row: input at cycle t -> output at cycle t + Rows + Cols - 1
// (docs/timing.md, gemm "fill and drain rows + cols - 1"). Outputs keep the input order; back-to-back inputs give
// back-to-back outputs. A cycle with inp_valid_i low is a bubble: Latency cycles later out_valid_o is low, and
// nothing else is disturbed (inp_row_i is ignored: an output row only ever meets its own input row's partial
// sums). out_row_o is meaningless while out_valid_o is low.
//
// Ordering rules (the issuing unit's job, not checked here): no input row may be in flight while the weights
// shift. A preload may start at cycle t_last + Rows + Cols - 2 of the last input row before it (one cycle before
// that row's output appears: it has passed every PE), and the first input row after it may come in the cycle after
// the preload's last push.
module systolic_array #(
  parameter int unsigned Rows = 4,
  parameter int unsigned Cols = 4
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // weight preload, one row per cycle
  input  logic                  wgt_valid_i,
  input  logic [Cols*8-1:0]     wgt_row_i,   // lane c in bits [8c +: 8]
  // input rows, one per cycle
  input  logic                  inp_valid_i,
  input  logic [Rows*8-1:0]     inp_row_i,   // lane k in bits [8k +: 8]
  // output rows, Latency cycles after their input rows
  output logic                  out_valid_o,
  output logic [Cols*32-1:0]    out_row_o    // lane c in bits [32c +: 32]
);

  localparam int unsigned Latency = Rows + Cols - 1;

  // Nets between the PEs: wgt_v[k][c] / psum_v[k][c] enter PE(k, c) from above, inp_h[k][c] from the left.
  // Row Rows of wgt_v and column Cols of inp_h leave the array unused (the last PEs' pass-through outputs).
  logic [7:0]  wgt_v  [Rows+1][Cols];
  logic [31:0] psum_v [Rows+1][Cols];
  logic [7:0]  inp_h  [Rows][Cols+1];

  // Input skew: x[k] is delayed by k registers before PE(k, 0).
  for (genvar k = 0; k < Rows; k++) begin : g_skew
    logic [7:0] stage [k+1];  // stage[j]: x[k] delayed by j cycles
    assign stage[0] = inp_row_i[8*k +: 8];
    for (genvar j = 0; j < k; j++) begin : g_stage
      logic [7:0] delay_q;
      always_ff @(posedge clk_i) begin
        delay_q <= stage[j];
      end
      assign stage[j+1] = delay_q;
    end
    assign inp_h[k][0] = stage[k];
  end

  for (genvar c = 0; c < Cols; c++) begin : g_top
    assign wgt_v[0][c]  = wgt_row_i[8*c +: 8];
    assign psum_v[0][c] = '0;
  end

  for (genvar k = 0; k < Rows; k++) begin : g_row
    for (genvar c = 0; c < Cols; c++) begin : g_col
      pe u_pe (
        .clk_i       (clk_i),
        .wgt_shift_i (wgt_valid_i),
        .wgt_i       (wgt_v[k][c]),
        .wgt_o       (wgt_v[k+1][c]),
        .inp_i       (inp_h[k][c]),
        .inp_o       (inp_h[k][c+1]),
        .psum_i      (psum_v[k][c]),
        .psum_o      (psum_v[k+1][c])
      );
    end
  end

  // Output de-skew: column c leaves the bottom row at t + Rows + c and is delayed by Cols - 1 - c registers.
  for (genvar c = 0; c < Cols; c++) begin : g_deskew
    localparam int unsigned Delay = Cols - 1 - c;
    logic [31:0] stage [Delay+1];  // stage[j]: column sum delayed by j cycles
    assign stage[0] = psum_v[Rows][c];
    for (genvar j = 0; j < Delay; j++) begin : g_stage
      logic [31:0] delay_q;
      always_ff @(posedge clk_i) begin
        delay_q <= stage[j];
      end
      assign stage[j+1] = delay_q;
    end
    assign out_row_o[32*c +: 32] = stage[Delay];
  end

  // Validity travels beside the data: bit i is the valid of the input row presented i + 1 cycles ago.
  logic [Latency-1:0] valid_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else begin
      valid_q <= (valid_q << 1) | Latency'(inp_valid_i);
    end
  end
  assign out_valid_o = valid_q[Latency-1];

  // The pass-through outputs of the bottom row (weights) and the right column (inputs) go nowhere.
  logic unused_edges;
  always_comb begin
    unused_edges = 1'b0;
    for (int c = 0; c < Cols; c++) unused_edges ^= ^wgt_v[Rows][c];
    for (int k = 0; k < Rows; k++) unused_edges ^= ^inp_h[k][Cols];
  end

endmodule
