// Bench top for dispatch, the compute unit's instruction queue and sequencer, and the compute unit with its
// memories (compute_bench): programs of gemm, vec, sync and finish run from an instruction stream the C++ bench
// drives, to be compared with the SystemC model cycle for cycle. started_o/ended_o mark each instruction's first
// cycle and the cycle after its last (the SystemC model's start and end).
module compute_core_bench #(
  parameter int unsigned Rows = 4,
  parameter int unsigned Cols = 4,
  parameter int unsigned Banks = 2,
  parameter int unsigned OutputStationary = 0,
  parameter int unsigned InsnDepth = 2,
  localparam int unsigned AccWidth = Cols * 32
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              insn_valid_i,
  input  logic [systole_pkg::InsnBits-1:0]  insn_i,
  output logic                              insn_ready_o,
  output logic                              finish_o,
  output logic                              started_o,
  output logic                              ended_o,
  input  logic                              bd_we_i,
  input  logic                              bd_re_i,
  input  logic [1:0]                        bd_mem_i,
  input  logic [23:0]                       bd_row_i,
  input  logic [AccWidth-1:0]               bd_wdata_i,
  output logic [AccWidth-1:0]               bd_rdata_o
);

  localparam int unsigned InsnBits = systole_pkg::InsnBits;

  logic [2:0]          q_valid, q_ready, q_empty, unit_idle;
  logic [InsnBits-1:0] q_insn;
  dispatch #(.InsnBits(InsnBits)) u_dispatch (
    .insn_valid_i, .insn_i, .insn_ready_o,
    .q_valid_o(q_valid), .q_ready_i(q_ready), .q_insn_o(q_insn),
    .q_empty_i(q_empty), .unit_idle_i(unit_idle), .finish_o
  );

  // Only the compute unit exists in this bench: the load and store queues stay empty and their units idle.
  assign q_ready[0]   = 1'b0;
  assign q_ready[2]   = 1'b0;
  assign q_empty[0]   = 1'b1;
  assign q_empty[2]   = 1'b1;
  assign unit_idle[0] = 1'b1;
  assign unit_idle[2] = 1'b1;

  localparam int unsigned CountBits = $clog2(InsnDepth + 1);
  logic                 head_valid, head_ready;
  logic [InsnBits-1:0]  head;
  logic [CountBits-1:0] count;
  fifo #(.Width(InsnBits), .Depth(InsnDepth)) u_compute_queue (
    .clk_i, .rst_ni,
    .in_valid_i(q_valid[1]), .in_ready_o(q_ready[1]), .in_data_i(q_insn),
    .out_valid_o(head_valid), .out_ready_i(head_ready), .out_data_o(head),
    .count_o(count)
  );
  assign q_empty[1] = count == '0;

  logic                dp_valid, dp_ready, dp_done;
  logic [InsnBits-1:0] dp_insn;
  /* verilator lint_off PINCONNECTEMPTY */
  unit_sequencer #(.InsnBits(InsnBits)) u_sequencer (
    .clk_i, .rst_ni,
    .q_valid_i(head_valid), .q_insn_i(head), .q_ready_o(head_ready),
    .prev_avail_i(1'b0), .next_avail_i(1'b0), .pop_prev_o(), .pop_next_o(),
    .prev_full_i(1'b0), .next_full_i(1'b0), .push_prev_o(), .push_next_o(),
    .dp_valid_o(dp_valid), .dp_insn_o(dp_insn), .dp_ready_i(dp_ready), .dp_done_i(dp_done),
    .idle_o(unit_idle[1])
  );
  /* verilator lint_on PINCONNECTEMPTY */

  compute_bench #(.Rows(Rows), .Cols(Cols), .Banks(Banks), .OutputStationary(OutputStationary)) u_compute (
    .clk_i, .rst_ni,
    .insn_valid_i(dp_valid), .insn_i(dp_insn), .insn_ready_o(dp_ready), .done_o(dp_done),
    .bd_we_i, .bd_re_i, .bd_mem_i, .bd_row_i, .bd_wdata_i, .bd_rdata_o
  );

  assign started_o = dp_valid && dp_ready;
  logic ended_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ended_q <= 1'b0;
    else ended_q <= dp_done;
  end
  assign ended_o = ended_q;

endmodule
