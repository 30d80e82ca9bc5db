// Synthesis top for FPGA resource estimates (hw/synth/synth.py): the compute unit with the memories it works on,
// sized from an arch config and arranged as in systole_core.sv: the input scratchpad, the weight buffer, the banked
// accumulator, and the accumulator replica the store unit reads. It stands in for the accelerator core until Yosys
// 0.23 can read the core's DMA engines (hw/synth/README.md); it is never simulated.
//
// The memories' other ports come out as top-level ports, used as the core's units use them: the load unit writes
// input and weight rows, accumulator loads write accumulator rows (into the banks and the replica alike, where the
// compute unit's write-back wins a shared cycle), the store unit reads the replica. Without them the memories would
// have no writer and no observable reader, and synthesis would remove them with everything feeding them.
//
// Memory geometry (sim/isa/arch.hpp): an input row is Rows int8, a weight row Cols int8, an accumulator row Cols
// int32; accumulator row r is word r / Banks of bank r % Banks (Banks a power of two, as compute_unit assumes).
//
// Written in the SystemVerilog that Yosys 0.23 reads as it is (no package import, no `return`).
module compute_top #(
  parameter int unsigned Rows = 4,
  parameter int unsigned Cols = 4,
  parameter int unsigned InpRows = 4096,  // inp_kib * 1024 / Rows
  parameter int unsigned WgtRows = 4096,  // wgt_kib * 1024 / Cols
  parameter int unsigned AccRows = 2048,  // acc_kib * 1024 / (4 * Cols)
  parameter int unsigned Banks = 2,
  localparam int unsigned InpAddrW = (InpRows > 1) ? $clog2(InpRows) : 1,
  localparam int unsigned WgtAddrW = (WgtRows > 1) ? $clog2(WgtRows) : 1,
  localparam int unsigned AccAddrW = (AccRows > 1) ? $clog2(AccRows) : 1,
  localparam int unsigned BankBits = (Banks > 1) ? $clog2(Banks) : 1,
  localparam int unsigned AccIdxBits = (AccRows / Banks > 1) ? $clog2(AccRows / Banks) : 1,
  localparam int unsigned AccWidth = Cols * 32,
  localparam int unsigned InsnBits = systole_pkg::InsnBits
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  // compute queue
  input  logic                insn_valid_i,
  input  logic [InsnBits-1:0] insn_i,
  output logic                insn_ready_o,
  output logic                done_o,
  // load unit: one input or weight row written per memory and cycle
  input  logic                inp_wr_en_i,
  input  logic [InpAddrW-1:0] inp_wr_row_i,
  input  logic [Rows*8-1:0]   inp_wr_data_i,
  input  logic                wgt_wr_en_i,
  input  logic [WgtAddrW-1:0] wgt_wr_row_i,
  input  logic [Cols*8-1:0]   wgt_wr_data_i,
  // accumulator loads: one accumulator row written per cycle
  input  logic                acc_wr_en_i,
  input  logic [AccAddrW-1:0] acc_wr_row_i,
  input  logic [AccWidth-1:0] acc_wr_data_i,
  // store unit: one accumulator-replica row read per cycle, data in the next cycle
  input  logic                acc_rd_en_i,
  input  logic [AccAddrW-1:0] acc_rd_row_i,
  output logic [AccWidth-1:0] acc_rd_data_o
);

  logic                        cu_inp_rd_en, cu_wgt_rd_en, cu_acc_wr_en;
  logic [23:0]                 cu_inp_rd_row, cu_wgt_rd_row, cu_acc_wr_row;
  logic [Rows*8-1:0]           inp_rd_data;
  logic [Cols*8-1:0]           wgt_rd_data;
  logic [Banks-1:0]            cu_acc_rd_en;
  logic [Banks*AccIdxBits-1:0] cu_acc_rd_idx;
  logic [Banks*AccWidth-1:0]   acc_rd_data;
  logic [AccWidth-1:0]         cu_acc_wr_data;

  compute_unit #(.Rows(Rows), .Cols(Cols), .AccRows(AccRows), .Banks(Banks)) u_compute (
    .clk_i, .rst_ni,
    .insn_valid_i, .insn_i, .insn_ready_o, .done_o,
    .inp_rd_en_o(cu_inp_rd_en), .inp_rd_row_o(cu_inp_rd_row), .inp_rd_data_i(inp_rd_data),
    .wgt_rd_en_o(cu_wgt_rd_en), .wgt_rd_row_o(cu_wgt_rd_row), .wgt_rd_data_i(wgt_rd_data),
    .acc_rd_en_o(cu_acc_rd_en), .acc_rd_idx_o(cu_acc_rd_idx), .acc_rd_data_i(acc_rd_data),
    .acc_wr_en_o(cu_acc_wr_en), .acc_wr_row_o(cu_acc_wr_row), .acc_wr_data_o(cu_acc_wr_data)
  );

  // The compute unit's 24-bit row numbers address the memories modulo their depth (the compiler keeps them in range).
  /* verilator lint_off UNUSEDSIGNAL */
  logic [23:0] cu_rows_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  assign cu_rows_unused = cu_inp_rd_row ^ cu_wgt_rd_row ^ cu_acc_wr_row;

  sram_1r1w #(.Width(Rows * 8), .Depth(InpRows)) u_inp (
    .clk_i,
    .wr_en_i(inp_wr_en_i), .wr_addr_i(inp_wr_row_i), .wr_data_i(inp_wr_data_i),
    .rd_en_i(cu_inp_rd_en), .rd_addr_i(InpAddrW'(cu_inp_rd_row)), .rd_data_o(inp_rd_data)
  );
  sram_1r1w #(.Width(Cols * 8), .Depth(WgtRows)) u_wgt (
    .clk_i,
    .wr_en_i(wgt_wr_en_i), .wr_addr_i(wgt_wr_row_i), .wr_data_i(wgt_wr_data_i),
    .rd_en_i(cu_wgt_rd_en), .rd_addr_i(WgtAddrW'(cu_wgt_rd_row)), .rd_data_o(wgt_rd_data)
  );

  // Accumulator banks for the compute unit. Row r: bank r[BankBits-1:0], word r >> BankBits (Banks > 1); one bank:
  // word r. Only the low bits of a row pick its bank.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [BankBits-1:0] bank_of(logic [AccAddrW-1:0] row);
    bank_of = (Banks > 1) ? BankBits'(row) : '0;
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */
  function automatic logic [AccIdxBits-1:0] idx_of(logic [AccAddrW-1:0] row);
    idx_of = (Banks > 1) ? AccIdxBits'(row >> BankBits) : AccIdxBits'(row);
  endfunction

  logic                wr_en;
  logic [AccAddrW-1:0] wr_row;
  logic [AccWidth-1:0] wr_data;
  assign wr_en   = cu_acc_wr_en || acc_wr_en_i;
  assign wr_row  = cu_acc_wr_en ? AccAddrW'(cu_acc_wr_row) : acc_wr_row_i;
  assign wr_data = cu_acc_wr_en ? cu_acc_wr_data : acc_wr_data_i;

  for (genvar b = 0; b < Banks; b++) begin : g_bank
    sram_1r1w #(.Width(AccWidth), .Depth(AccRows / Banks)) u_bank (
      .clk_i,
      .wr_en_i(wr_en && 32'(bank_of(wr_row)) == b), .wr_addr_i(idx_of(wr_row)), .wr_data_i(wr_data),
      .rd_en_i(cu_acc_rd_en[b]), .rd_addr_i(cu_acc_rd_idx[AccIdxBits*b +: AccIdxBits]),
      .rd_data_o(acc_rd_data[AccWidth*b +: AccWidth])
    );
  end

  // The replica: every accumulator write, read by the store unit only.
  sram_1r1w #(.Width(AccWidth), .Depth(AccRows)) u_acc_replica (
    .clk_i, .wr_en_i(wr_en), .wr_addr_i(wr_row), .wr_data_i(wr_data),
    .rd_en_i(acc_rd_en_i), .rd_addr_i(acc_rd_row_i), .rd_data_o(acc_rd_data_o)
  );

endmodule
