// Synchronous first-word-fall-through FIFO with an occupancy count (for the queue-occupancy counters).
//
// Handshakes: a word moves in on a cycle with in_valid_i && in_ready_o, out on a cycle with out_valid_o &&
// out_ready_i. in_ready_o = (count_o != Depth): a full FIFO refuses a push even when it is popped in the same cycle
// (no combinational path from out_ready_i to in_ready_o). out_valid_o = (count_o != 0), and out_data_o is the head
// word whenever out_valid_o is high (first-word fall-through, read combinationally from the storage).
// Timing: a word pushed at cycle t is visible at the output from cycle t + 1 (no same-cycle bypass); count_o at
// cycle t + 1 is count_o + push - pop of cycle t. Below full, a push and a pop per cycle sustain full throughput
// (a Depth-1 FIFO therefore passes one word every two cycles).
module fifo #(
  parameter  int unsigned Width  = 32,
  parameter  int unsigned Depth  = 4,
  localparam int unsigned CountW = $clog2(Depth + 1)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // write side
  input  logic              in_valid_i,
  output logic              in_ready_o,
  input  logic [Width-1:0]  in_data_i,
  // read side
  output logic              out_valid_o,
  input  logic              out_ready_i,
  output logic [Width-1:0]  out_data_o,
  // occupancy: words stored, 0..Depth
  output logic [CountW-1:0] count_o
);

  localparam int unsigned PtrW = (Depth > 1) ? $clog2(Depth) : 1;
  localparam logic [PtrW-1:0] LastPtr = PtrW'(Depth - 1);

  logic [Width-1:0]  mem_q [Depth];
  logic [PtrW-1:0]   wr_ptr_q, wr_ptr_d;
  logic [PtrW-1:0]   rd_ptr_q, rd_ptr_d;
  logic [CountW-1:0] count_q, count_d;
  logic              push, pop;

  assign in_ready_o  = count_q != CountW'(Depth);
  assign out_valid_o = count_q != '0;
  assign out_data_o  = mem_q[rd_ptr_q];
  assign count_o     = count_q;

  assign push = in_valid_i && in_ready_o;
  assign pop  = out_valid_o && out_ready_i;

  always_comb begin
    wr_ptr_d = wr_ptr_q;
    rd_ptr_d = rd_ptr_q;
    count_d  = count_q;
    if (push) begin
      wr_ptr_d = (wr_ptr_q == LastPtr) ? '0 : wr_ptr_q + 1'b1;
    end
    if (pop) begin
      rd_ptr_d = (rd_ptr_q == LastPtr) ? '0 : rd_ptr_q + 1'b1;
    end
    if (push && !pop) begin
      count_d = count_q + 1'b1;
    end else if (pop && !push) begin
      count_d = count_q - 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q <= '0;
      rd_ptr_q <= '0;
      count_q  <= '0;
    end else begin
      wr_ptr_q <= wr_ptr_d;
      rd_ptr_q <= rd_ptr_d;
      count_q  <= count_d;
    end
  end

  // Storage has no reset: a word is only read after it was written.
  always_ff @(posedge clk_i) begin
    if (push) begin
      mem_q[wr_ptr_q] <= in_data_i;
    end
  end

endmodule
