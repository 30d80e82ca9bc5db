// One on-chip memory bank: synchronous RAM with one write port and one read port on the same clock.
//
// Write: on a cycle with wr_en_i high, wr_data_i is stored at wr_addr_i.
// Read: on a cycle with rd_en_i high, rd_data_o shows the word at rd_addr_i from the next cycle on (read latency
// 1), and holds it until the next read. Read-first: a read of the address being written in the same cycle returns
// the OLD word (the block-RAM default); the new word is readable one cycle later.
// Written as the plain template (storage array without reset, read register in the same process) so that Yosys and
// Vivado infer block RAM. Contents and rd_data_o are undefined until written / first read.
module sram_1r1w #(
  parameter  int unsigned Width = 32,
  parameter  int unsigned Depth = 1024,
  localparam int unsigned AddrW = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic             clk_i,
  input  logic             wr_en_i,
  input  logic [AddrW-1:0] wr_addr_i,
  input  logic [Width-1:0] wr_data_i,
  input  logic             rd_en_i,
  input  logic [AddrW-1:0] rd_addr_i,
  output logic [Width-1:0] rd_data_o
);

  logic [Width-1:0] mem_q [Depth];
  logic [Width-1:0] rd_data_q;

  always_ff @(posedge clk_i) begin
    if (wr_en_i) begin
      mem_q[wr_addr_i] <= wr_data_i;
    end
    if (rd_en_i) begin
      rd_data_q <= mem_q[rd_addr_i];
    end
  end

  assign rd_data_o = rd_data_q;

endmodule
