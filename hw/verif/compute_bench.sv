// Bench top for the compute unit: compute_unit with its memories (input scratchpad, weight buffer, banked
// accumulator) and a backdoor through which the C++ bench fills the memories and reads the accumulator back while
// the unit is idle (bd_* ports; a backdoor read shows bd_rdata_o in the next cycle).
module compute_bench #(
  parameter int unsigned Rows = 4,
  parameter int unsigned Cols = 4,
  parameter int unsigned InpRows = 64,
  parameter int unsigned WgtRows = 64,
  parameter int unsigned AccRows = 64,
  parameter int unsigned Banks = 2,
  parameter int unsigned OutputStationary = 0,
  localparam int unsigned BankBits = (Banks > 1) ? $clog2(Banks) : 1,
  localparam int unsigned AccIdxBits = (AccRows / Banks > 1) ? $clog2(AccRows / Banks) : 1,
  localparam int unsigned AccWidth = Cols * 32
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                insn_valid_i,
  input  logic [systole_pkg::InsnBits-1:0] insn_i,
  output logic                insn_ready_o,
  output logic                done_o,
  input  logic                bd_we_i,
  input  logic                bd_re_i,
  input  logic [1:0]          bd_mem_i,  // mem_e: inp, wgt, acc (reads: acc only)
  input  logic [23:0]         bd_row_i,
  input  logic [AccWidth-1:0] bd_wdata_i,
  output logic [AccWidth-1:0] bd_rdata_o
);


  logic                        inp_rd_en, wgt_rd_en, acc_wr_en;
  logic [23:0]                 inp_rd_row, wgt_rd_row, acc_wr_row;
  logic [Rows*8-1:0]           inp_rd_data;
  logic [Cols*8-1:0]           wgt_rd_data;
  logic [Banks-1:0]            acc_rd_en;
  logic [Banks*AccIdxBits-1:0] acc_rd_idx;
  logic [Banks*AccWidth-1:0]   acc_rd_data;
  logic [AccWidth-1:0]         acc_wr_data;

  compute_unit #(
    .Rows(Rows), .Cols(Cols), .AccRows(AccRows), .Banks(Banks), .OutputStationary(OutputStationary)
  ) u_compute (
    .clk_i, .rst_ni,
    .insn_valid_i, .insn_i, .insn_ready_o, .done_o,
    .inp_rd_en_o(inp_rd_en), .inp_rd_row_o(inp_rd_row), .inp_rd_data_i(inp_rd_data),
    .wgt_rd_en_o(wgt_rd_en), .wgt_rd_row_o(wgt_rd_row), .wgt_rd_data_i(wgt_rd_data),
    .acc_rd_en_o(acc_rd_en), .acc_rd_idx_o(acc_rd_idx), .acc_rd_data_i(acc_rd_data),
    .acc_wr_en_o(acc_wr_en), .acc_wr_row_o(acc_wr_row), .acc_wr_data_o(acc_wr_data)
  );

  sram_1r1w #(.Width(Rows * 8), .Depth(InpRows)) u_inp (
    .clk_i,
    .wr_en_i(bd_we_i && bd_mem_i == systole_pkg::MemInp), .wr_addr_i($clog2(InpRows)'(bd_row_i)),
    .wr_data_i(bd_wdata_i[Rows*8-1:0]),
    .rd_en_i(inp_rd_en), .rd_addr_i($clog2(InpRows)'(inp_rd_row)), .rd_data_o(inp_rd_data)
  );
  sram_1r1w #(.Width(Cols * 8), .Depth(WgtRows)) u_wgt (
    .clk_i,
    .wr_en_i(bd_we_i && bd_mem_i == systole_pkg::MemWgt), .wr_addr_i($clog2(WgtRows)'(bd_row_i)),
    .wr_data_i(bd_wdata_i[Cols*8-1:0]),
    .rd_en_i(wgt_rd_en), .rd_addr_i($clog2(WgtRows)'(wgt_rd_row)), .rd_data_o(wgt_rd_data)
  );

  // The accumulator: bank b holds rows b, b + Banks, ...; the backdoor shares the compute unit's ports.
  logic [23:0] wr_row, rd_row_bd;
  logic        wr_en;
  logic [AccWidth-1:0] wr_data;
  logic [BankBits-1:0] bd_bank_q;
  assign wr_en   = acc_wr_en || (bd_we_i && bd_mem_i == systole_pkg::MemAcc);
  assign wr_row  = acc_wr_en ? acc_wr_row : bd_row_i;
  assign wr_data = acc_wr_en ? acc_wr_data : bd_wdata_i;
  assign rd_row_bd = bd_row_i;
  for (genvar b = 0; b < Banks; b++) begin : g_bank
    logic rd_en_b;
    logic [AccIdxBits-1:0] rd_idx_b;
    assign rd_en_b  = acc_rd_en[b] || (bd_re_i && 32'(rd_row_bd) % Banks == b);
    assign rd_idx_b = acc_rd_en[b] ? acc_rd_idx[AccIdxBits*b +: AccIdxBits]
                                   : AccIdxBits'(32'(rd_row_bd) / Banks);
    sram_1r1w #(.Width(AccWidth), .Depth(AccRows / Banks)) u_bank (
      .clk_i,
      .wr_en_i(wr_en && 32'(wr_row) % Banks == b), .wr_addr_i(AccIdxBits'(32'(wr_row) / Banks)),
      .wr_data_i(wr_data),
      .rd_en_i(rd_en_b), .rd_addr_i(rd_idx_b), .rd_data_o(acc_rd_data[AccWidth*b +: AccWidth])
    );
  end
  always_ff @(posedge clk_i) begin
    if (bd_re_i) bd_bank_q <= BankBits'(32'(bd_row_i) % Banks);
  end
  assign bd_rdata_o = acc_rd_data[AccWidth*bd_bank_q +: AccWidth];

endmodule
