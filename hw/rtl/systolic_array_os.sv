// Output-stationary int8 systolic array: Rows x Cols PEs (pe_os.sv), int32 results.
//
// PE(r, c) sits in row r (output row of the block, top = 0) and column c (output lane, left = 0) and keeps the sum
// for output element (r, c). Inputs flow right, weights flow down, results drain down the columns. Lanes are packed
// into flat vectors, lane 0 in the least significant bits (Yosys 0.23 reads no packed 2-D arrays).
//
// Work comes in blocks of Rows consecutive cycles, t0 .. t0 + Rows - 1, blocks back to back. In cycle t0 + k:
//   - wgt_row_i is weight row w[k] (Cols int8 lanes, w[k][c] in wgt_row_i[8c +: 8]): it enters the top of column c
//     after c cycles of skew and moves down one row per cycle;
//   - inp_load_i is one-hot, bit k high: array row k takes inp_row_i, its input row x_k (Rows int8 lanes, x_k[j] in
//     inp_row_i[8j +: 8]), into its input shift register, which feeds x_k[0], x_k[1], ... into PE(k, 0) in cycles
//     t0 + k, t0 + k + 1, ... (the load cycle's lane bypasses the register). The load marks x_k[0] as the first
//     product of the block (pe_os first_i), which travels right beside it.
// So PE(r, c) multiplies x_r[j] by w[j][c] in cycle t0 + r + c + j, j = 0 .. Rows - 1. When the NEXT block's first
// product reaches it (cycle t0 + Rows + r + c) the finished sum
//     y_r[c] = sum_j x_r[j] * w[j][c]    (int8 x int8 products, int32 wrapping sum)
// moves into the column's drain chain, which brings the block's rows out of the bottom row, row Rows-1 first, and
// the columns are de-skewed, so that the whole output row y_r comes out on out_row_o (lane c in [32c +: 32]) in
//     cycle t0 + 3 Rows + Cols - 2 - r        (= t0 + 2 Rows + Cols - 1 + s for row r = Rows - 1 - s).
// A block's results therefore need the following block's loads: after the last block of a stream comes one more
// block of loads (any data, any weights) that drains it. Rows of a block that carry no input (no valid row to load)
// may load anything: a row's inputs meet only its own PEs, and its results are not used. out_row_o is meaningless in
// other cycles; the issuing schedule knows which cycles carry which row (compute_unit.sv).
module systolic_array_os #(
  parameter int unsigned Rows = 4,
  parameter int unsigned Cols = 4
) (
  input  logic                  clk_i,
  // one weight row per block step
  input  logic [Cols*8-1:0]     wgt_row_i,   // lane c in bits [8c +: 8]
  // array row k's input row in block step k
  input  logic [Rows-1:0]       inp_load_i,  // one-hot: bit k loads array row k
  input  logic [Rows*8-1:0]     inp_row_i,   // lane j in bits [8j +: 8]
  // output rows, in the cycles above
  output logic [Cols*32-1:0]    out_row_o    // lane c in bits [32c +: 32]
);

  // Nets between the PEs: wgt_v[r][c] / res_v[r][c] enter PE(r, c) from above, inp_h[r][c] / first_h[r][c] from the
  // left. Row Rows of wgt_v and column Cols of inp_h and first_h leave the array unused (pass-through outputs).
  logic [7:0]  wgt_v   [Rows+1][Cols];
  logic [31:0] res_v   [Rows+1][Cols];
  logic [7:0]  inp_h   [Rows][Cols+1];
  logic        first_h [Rows][Cols+1];

  // Input shift registers, one per array row: loaded with a whole input row, then one lane per cycle.
  for (genvar r = 0; r < Rows; r++) begin : g_feed
    logic [Rows*8-1:0] shift_q;
    always_ff @(posedge clk_i) begin
      shift_q <= (inp_load_i[r] ? inp_row_i : shift_q) >> 8;
    end
    assign inp_h[r][0]   = inp_load_i[r] ? inp_row_i[7:0] : shift_q[7:0];
    assign first_h[r][0] = inp_load_i[r];
  end

  // Weight skew: lane c is delayed by c registers before PE(0, c).
  for (genvar c = 0; c < Cols; c++) begin : g_skew
    logic [7:0] stage [c+1];  // stage[j]: w[.][c] delayed by j cycles
    assign stage[0] = wgt_row_i[8*c +: 8];
    for (genvar j = 0; j < c; j++) begin : g_stage
      logic [7:0] delay_q;
      always_ff @(posedge clk_i) begin
        delay_q <= stage[j];
      end
      assign stage[j+1] = delay_q;
    end
    assign wgt_v[0][c] = stage[c];
    assign res_v[0][c] = '0;
  end

  for (genvar r = 0; r < Rows; r++) begin : g_row
    for (genvar c = 0; c < Cols; c++) begin : g_col
      pe_os u_pe (
        .clk_i   (clk_i),
        .first_i (first_h[r][c]),
        .first_o (first_h[r][c+1]),
        .inp_i   (inp_h[r][c]),
        .inp_o   (inp_h[r][c+1]),
        .wgt_i   (wgt_v[r][c]),
        .wgt_o   (wgt_v[r+1][c]),
        .res_i   (res_v[r][c]),
        .res_o   (res_v[r+1][c])
      );
    end
  end

  // Output de-skew: column c leaves the bottom row c cycles after column 0 and is delayed by Cols - 1 - c registers.
  for (genvar c = 0; c < Cols; c++) begin : g_deskew
    localparam int unsigned Delay = Cols - 1 - c;
    logic [31:0] stage [Delay+1];  // stage[j]: the column's result delayed by j cycles
    assign stage[0] = res_v[Rows][c];
    for (genvar j = 0; j < Delay; j++) begin : g_stage
      logic [31:0] delay_q;
      always_ff @(posedge clk_i) begin
        delay_q <= stage[j];
      end
      assign stage[j+1] = delay_q;
    end
    assign out_row_o[32*c +: 32] = stage[Delay];
  end

  // The pass-through outputs of the bottom row (weights) and the right column (inputs, first marks) go nowhere.
  logic unused_edges;
  always_comb begin
    unused_edges = 1'b0;
    for (int c = 0; c < Cols; c++) unused_edges ^= ^wgt_v[Rows][c];
    for (int r = 0; r < Rows; r++) unused_edges ^= ^inp_h[r][Cols] ^ first_h[r][Cols];
  end

endmodule
