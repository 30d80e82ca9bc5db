// The accelerator core: fetch and dispatch, the load, compute and store units with their instruction queues and the
// four dependency-token queues between them, the on-chip memories, and one AXI4 master port each for fetch and the
// three units (docs/timing.md).
// start_i (one cycle) starts a segment: the instruction stream at insn_addr_i (insn_count_i instructions); the
// segment's cycle 0 is the next cycle, and it ends in the cycle dispatch completes `finish` (finish_o). cycles_o
// counts the segment's cycles: it reads k in cycle k and keeps the finish cycle's value until the next start.
//
//   fetch        the instruction stream (fetch)                                                  m_axi_fetch (read)
//   load unit    loads into the input scratchpad and the weight buffer (dma_load, int8 rows)    m_axi_load (read)
//   compute unit gemm and vec (compute_unit), loads into the accumulator (dma_load, int32 rows)   m_axi_acc (read)
//   store unit   stores (dma_store), reading a replica of the accumulator                       m_axi_store (write)
//
// The first DMA error (bounds, store to const) of a segment is latched with its instruction's index (status_o,
// error_pc_o); instructions after it still run (the host reads the status when the segment ends).
module systole_core #(
  parameter int unsigned Rows = 4,
  parameter int unsigned Cols = 4,
  parameter int unsigned OutputStationary = 0,  // array.dataflow: 0 weight-, 1 output-stationary
  parameter int unsigned InpRows = 4096,
  parameter int unsigned WgtRows = 4096,
  parameter int unsigned AccRows = 2048,
  parameter int unsigned Banks = 2,
  parameter int unsigned InsnDepth = 32,
  parameter int unsigned TokenDepth = 8,
  parameter int unsigned BeatBytes = 16,
  parameter int unsigned MaxOutstanding = 16,
  parameter int unsigned BurstBytes = 512,
  localparam int unsigned BeatBits = BeatBytes * 8,
  localparam int unsigned AccWidth = Cols * 32,
  localparam int unsigned InsnBits = 256,
  localparam int unsigned EntryBits = InsnBits + 32  // an instruction and its index
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // a segment: its instruction stream and the regions the host granted
  input  logic                 start_i,
  input  logic [63:0]          insn_addr_i,
  input  logic [31:0]          insn_count_i,
  input  logic [63:0]          const_addr_i,
  input  logic [63:0]          const_size_i,
  input  logic [63:0]          act_addr_i,
  input  logic [63:0]          act_size_i,
  output logic                 finish_o,
  output logic                 running_o,
  output logic [63:0]          cycles_o,
  output logic [31:0]          status_o,
  output logic [31:0]          error_pc_o,
  // Marks for a harness that times instructions: an instruction is offered to dispatch, is dispatched; per unit
  // (load, compute, store), an instruction's first cycle and the cycle after its last.
  output logic                 offered_o,
  output logic                 dispatched_o,
  output logic [2:0]           started_o,
  output logic [2:0]           ended_o,
  // m_axi_fetch
  output logic                 fetch_ar_valid_o,
  input  logic                 fetch_ar_ready_i,
  output logic [63:0]          fetch_ar_addr_o,
  output logic [7:0]           fetch_ar_len_o,
  input  logic                 fetch_r_valid_i,
  input  logic [BeatBits-1:0]  fetch_r_data_i,
  // m_axi_load
  output logic                 load_ar_valid_o,
  input  logic                 load_ar_ready_i,
  output logic [63:0]          load_ar_addr_o,
  output logic [7:0]           load_ar_len_o,
  input  logic                 load_r_valid_i,
  input  logic [BeatBits-1:0]  load_r_data_i,
  input  logic                 load_r_last_i,
  // m_axi_acc
  output logic                 acc_ar_valid_o,
  input  logic                 acc_ar_ready_i,
  output logic [63:0]          acc_ar_addr_o,
  output logic [7:0]           acc_ar_len_o,
  input  logic                 acc_r_valid_i,
  input  logic [BeatBits-1:0]  acc_r_data_i,
  input  logic                 acc_r_last_i,
  // m_axi_store
  output logic                 store_aw_valid_o,
  input  logic                 store_aw_ready_i,
  output logic [63:0]          store_aw_addr_o,
  output logic [7:0]           store_aw_len_o,
  output logic                 store_w_valid_o,
  input  logic                 store_w_ready_i,
  output logic [BeatBits-1:0]  store_w_data_o,
  output logic [BeatBytes-1:0] store_w_strb_o,
  output logic                 store_w_last_o,
  input  logic                 store_b_valid_i,
  output logic                 store_b_ready_o
);

  localparam int unsigned Load = 0, Compute = 1, Store = 2;
  localparam int unsigned RowLanes = Rows > Cols ? Rows : Cols;  // int8 rows of the load unit's DMA

  // ---------------------------------------------------------------------------------------------------------------
  // Fetch, and dispatch into the three instruction queues; entries carry the instruction's index.
  logic                 insn_valid, insn_ready;
  logic [InsnBits-1:0]  insn;
  fetch #(.BeatBytes(BeatBytes), .BurstBytes(BurstBytes)) u_fetch (
    .clk_i, .rst_ni, .start_i, .insn_addr_i, .insn_count_i,
    .ar_valid_o(fetch_ar_valid_o), .ar_ready_i(fetch_ar_ready_i), .ar_addr_o(fetch_ar_addr_o),
    .ar_len_o(fetch_ar_len_o), .r_valid_i(fetch_r_valid_i), .r_data_i(fetch_r_data_i),
    .insn_valid_o(insn_valid), .insn_o(insn), .insn_ready_i(insn_ready)
  );

  logic [2:0]           q_valid, q_ready, q_empty, unit_idle;
  logic [InsnBits-1:0]  q_insn;
  logic [31:0]          pc_q;
  dispatch #(.InsnBits(InsnBits)) u_dispatch (
    .insn_valid_i(insn_valid), .insn_i(insn), .insn_ready_o(insn_ready),
    .q_valid_o(q_valid), .q_ready_i(q_ready), .q_insn_o(q_insn),
    .q_empty_i(q_empty), .unit_idle_i(unit_idle), .finish_o
  );
  logic dispatch_fire;
  assign dispatch_fire = insn_valid && insn_ready;

  logic        running_q;
  logic [63:0] cycles_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pc_q      <= '0;
      running_q <= 1'b0;
      cycles_q  <= '0;
    end else if (start_i) begin
      pc_q      <= '0;
      running_q <= 1'b1;
      cycles_q  <= '0;
    end else begin
      if (dispatch_fire) pc_q <= pc_q + 32'd1;
      if (finish_o) running_q <= 1'b0;
      if (running_q && !finish_o) cycles_q <= cycles_q + 64'd1;
    end
  end
  assign running_o = running_q;
  assign cycles_o  = cycles_q;

  logic [2:0]                 head_valid, head_ready;
  logic [EntryBits-1:0]       head [3];
  logic [2:0]                 dp_valid, dp_ready, dp_done;
  logic [EntryBits-1:0]       dp_entry [3];
  // Token queues, by the unit that pushes and the unit that pops.
  logic l2c_push, l2c_pop, l2c_avail, l2c_full;
  logic c2l_push, c2l_pop, c2l_avail, c2l_full;
  logic c2s_push, c2s_pop, c2s_avail, c2s_full;
  logic s2c_push, s2c_pop, s2c_avail, s2c_full;

  for (genvar u = 0; u < 3; u++) begin : g_queue
    localparam int unsigned CountBits = $clog2(InsnDepth + 1);
    logic [CountBits-1:0] count;
    fifo #(.Width(EntryBits), .Depth(InsnDepth)) u_queue (
      .clk_i, .rst_ni,
      .in_valid_i(q_valid[u]), .in_ready_o(q_ready[u]), .in_data_i({pc_q, q_insn}),
      .out_valid_o(head_valid[u]), .out_ready_i(head_ready[u]), .out_data_o(head[u]),
      .count_o(count)
    );
    assign q_empty[u] = count == '0;
  end

  /* verilator lint_off PINCONNECTEMPTY */
  token_queue #(.Depth(TokenDepth)) u_l2c (.clk_i, .rst_ni, .push_i(l2c_push), .pop_i(l2c_pop), .count_o(),
                                           .full_o(l2c_full), .empty_o(), .avail_o(l2c_avail));
  token_queue #(.Depth(TokenDepth)) u_c2l (.clk_i, .rst_ni, .push_i(c2l_push), .pop_i(c2l_pop), .count_o(),
                                           .full_o(c2l_full), .empty_o(), .avail_o(c2l_avail));
  token_queue #(.Depth(TokenDepth)) u_c2s (.clk_i, .rst_ni, .push_i(c2s_push), .pop_i(c2s_pop), .count_o(),
                                           .full_o(c2s_full), .empty_o(), .avail_o(c2s_avail));
  token_queue #(.Depth(TokenDepth)) u_s2c (.clk_i, .rst_ni, .push_i(s2c_push), .pop_i(s2c_pop), .count_o(),
                                           .full_o(s2c_full), .empty_o(), .avail_o(s2c_avail));

  // The load unit has no previous unit and the store unit no next one (verification rejects such token flags).
  unit_sequencer #(.InsnBits(EntryBits)) u_load_seq (
    .clk_i, .rst_ni,
    .q_valid_i(head_valid[Load]), .q_insn_i(head[Load]), .q_ready_o(head_ready[Load]),
    .prev_avail_i(1'b0), .next_avail_i(c2l_avail), .pop_prev_o(), .pop_next_o(c2l_pop),
    .prev_full_i(1'b0), .next_full_i(l2c_full), .push_prev_o(), .push_next_o(l2c_push),
    .dp_valid_o(dp_valid[Load]), .dp_insn_o(dp_entry[Load]), .dp_ready_i(dp_ready[Load]),
    .dp_done_i(dp_done[Load]), .idle_o(unit_idle[Load])
  );
  unit_sequencer #(.InsnBits(EntryBits)) u_compute_seq (
    .clk_i, .rst_ni,
    .q_valid_i(head_valid[Compute]), .q_insn_i(head[Compute]), .q_ready_o(head_ready[Compute]),
    .prev_avail_i(l2c_avail), .next_avail_i(s2c_avail), .pop_prev_o(l2c_pop), .pop_next_o(s2c_pop),
    .prev_full_i(c2l_full), .next_full_i(c2s_full), .push_prev_o(c2l_push), .push_next_o(c2s_push),
    .dp_valid_o(dp_valid[Compute]), .dp_insn_o(dp_entry[Compute]), .dp_ready_i(dp_ready[Compute]),
    .dp_done_i(dp_done[Compute]), .idle_o(unit_idle[Compute])
  );
  unit_sequencer #(.InsnBits(EntryBits)) u_store_seq (
    .clk_i, .rst_ni,
    .q_valid_i(head_valid[Store]), .q_insn_i(head[Store]), .q_ready_o(head_ready[Store]),
    .prev_avail_i(c2s_avail), .next_avail_i(1'b0), .pop_prev_o(c2s_pop), .pop_next_o(),
    .prev_full_i(s2c_full), .next_full_i(1'b0), .push_prev_o(s2c_push), .push_next_o(),
    .dp_valid_o(dp_valid[Store]), .dp_insn_o(dp_entry[Store]), .dp_ready_i(dp_ready[Store]),
    .dp_done_i(dp_done[Store]), .idle_o(unit_idle[Store])
  );
  /* verilator lint_on PINCONNECTEMPTY */

  // ---------------------------------------------------------------------------------------------------------------
  // Memories. The accumulator has one bank set for the compute unit and a replica for the store unit's reads.
  localparam int unsigned AccIdxBits = (AccRows / Banks > 1) ? $clog2(AccRows / Banks) : 1;
  logic                     inp_wr_en, wgt_wr_en, inp_rd_en, wgt_rd_en;
  // Row addresses are 24-bit in the ISA; verified programs stay inside each memory, so the high bits go unused.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [23:0]              inp_wr_row, wgt_wr_row, inp_rd_row, wgt_rd_row;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [Rows*8-1:0]        inp_wr_data, inp_rd_data;
  logic [Cols*8-1:0]        wgt_wr_data, wgt_rd_data;
  sram_1r1w #(.Width(Rows * 8), .Depth(InpRows)) u_inp (
    .clk_i, .wr_en_i(inp_wr_en), .wr_addr_i($clog2(InpRows)'(inp_wr_row)), .wr_data_i(inp_wr_data),
    .rd_en_i(inp_rd_en), .rd_addr_i($clog2(InpRows)'(inp_rd_row)), .rd_data_o(inp_rd_data)
  );
  sram_1r1w #(.Width(Cols * 8), .Depth(WgtRows)) u_wgt (
    .clk_i, .wr_en_i(wgt_wr_en), .wr_addr_i($clog2(WgtRows)'(wgt_wr_row)), .wr_data_i(wgt_wr_data),
    .rd_en_i(wgt_rd_en), .rd_addr_i($clog2(WgtRows)'(wgt_rd_row)), .rd_data_o(wgt_rd_data)
  );

  logic                      acc_wr_en;
  logic [23:0]               acc_wr_row;
  logic [AccWidth-1:0]       acc_wr_data;
  logic [Banks-1:0]          acc_rd_en;
  logic [Banks*AccIdxBits-1:0] acc_rd_idx;
  logic [Banks*AccWidth-1:0] acc_rd_data;
  for (genvar b = 0; b < Banks; b++) begin : g_acc_bank
    sram_1r1w #(.Width(AccWidth), .Depth(AccRows / Banks)) u_bank (
      .clk_i,
      .wr_en_i(acc_wr_en && 32'(acc_wr_row) % Banks == b), .wr_addr_i(AccIdxBits'(32'(acc_wr_row) / Banks)),
      .wr_data_i(acc_wr_data),
      .rd_en_i(acc_rd_en[b]), .rd_addr_i(acc_rd_idx[AccIdxBits*b +: AccIdxBits]),
      .rd_data_o(acc_rd_data[AccWidth*b +: AccWidth])
    );
  end
  logic                st_rd_en;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [23:0]         st_rd_row;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [AccWidth-1:0] st_rd_data;
  sram_1r1w #(.Width(AccWidth), .Depth(AccRows)) u_acc_replica (
    .clk_i, .wr_en_i(acc_wr_en), .wr_addr_i($clog2(AccRows)'(acc_wr_row)), .wr_data_i(acc_wr_data),
    .rd_en_i(st_rd_en), .rd_addr_i($clog2(AccRows)'(st_rd_row)), .rd_data_o(st_rd_data)
  );

  // ---------------------------------------------------------------------------------------------------------------
  // Load unit: loads into inp and wgt.
  logic                    ld_done, ld_error, ld_wr_en, ld_to_wgt_q;
  logic [23:0]             ld_wr_row;
  logic [RowLanes*8-1:0]   ld_wr_data;
  dma_load #(.BeatBytes(BeatBytes), .OutLanes(RowLanes), .OutBits(8), .MaxOutstanding(MaxOutstanding)) u_load_dma (
    .clk_i, .rst_ni,
    .start_i(dp_valid[Load]), .insn_i(dp_entry[Load][InsnBits-1:0]),
    .const_addr_i, .const_size_i, .act_addr_i, .act_size_i,
    .done_o(ld_done), .error_o(ld_error),
    .ar_valid_o(load_ar_valid_o), .ar_ready_i(load_ar_ready_i), .ar_addr_o(load_ar_addr_o),
    .ar_len_o(load_ar_len_o), .r_valid_i(load_r_valid_i), .r_data_i(load_r_data_i), .r_last_i(load_r_last_i),
    .wr_en_o(ld_wr_en), .wr_row_o(ld_wr_row), .wr_data_o(ld_wr_data)
  );
  // The target memory of the running load (from its first cycle on).
  logic ld_to_wgt;
  assign ld_to_wgt = dp_valid[Load] ? dp_entry[Load][9:8] == 2'(systole_pkg::MemWgt) : ld_to_wgt_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ld_to_wgt_q <= 1'b0;
    else ld_to_wgt_q <= ld_to_wgt;
  end
  assign dp_ready[Load] = 1'b1;
  assign dp_done[Load]  = ld_done;
  assign inp_wr_en      = ld_wr_en && !ld_to_wgt;
  assign wgt_wr_en      = ld_wr_en && ld_to_wgt;
  assign inp_wr_row     = ld_wr_row;
  assign wgt_wr_row     = ld_wr_row;
  assign inp_wr_data    = ld_wr_data[Rows*8-1:0];
  assign wgt_wr_data    = ld_wr_data[Cols*8-1:0];

  // ---------------------------------------------------------------------------------------------------------------
  // Compute unit: gemm and vec, and loads into the accumulator.
  logic                cu_ready, cu_done, cu_wr_en, cu_start, acc_load_start;
  logic [23:0]         cu_wr_row;
  logic [AccWidth-1:0] cu_wr_data;
  logic                ad_done, ad_error, ad_wr_en;
  logic [23:0]         ad_wr_row;
  logic [AccWidth-1:0] ad_wr_data;
  assign acc_load_start = dp_valid[Compute] && dp_entry[Compute][3:0] == systole_pkg::OpcodeLoad;
  assign cu_start       = dp_valid[Compute] && dp_entry[Compute][3:0] != systole_pkg::OpcodeLoad;
  compute_unit #(
    .Rows(Rows), .Cols(Cols), .AccRows(AccRows), .Banks(Banks), .OutputStationary(OutputStationary)
  ) u_compute (
    .clk_i, .rst_ni,
    .insn_valid_i(cu_start), .insn_i(dp_entry[Compute][InsnBits-1:0]), .insn_ready_o(cu_ready),
    .done_o(cu_done),
    .inp_rd_en_o(inp_rd_en), .inp_rd_row_o(inp_rd_row), .inp_rd_data_i(inp_rd_data),
    .wgt_rd_en_o(wgt_rd_en), .wgt_rd_row_o(wgt_rd_row), .wgt_rd_data_i(wgt_rd_data),
    .acc_rd_en_o(acc_rd_en), .acc_rd_idx_o(acc_rd_idx), .acc_rd_data_i(acc_rd_data),
    .acc_wr_en_o(cu_wr_en), .acc_wr_row_o(cu_wr_row), .acc_wr_data_o(cu_wr_data)
  );
  dma_load #(.BeatBytes(BeatBytes), .OutLanes(Cols), .OutBits(32), .MaxOutstanding(MaxOutstanding)) u_acc_dma (
    .clk_i, .rst_ni,
    .start_i(acc_load_start), .insn_i(dp_entry[Compute][InsnBits-1:0]),
    .const_addr_i, .const_size_i, .act_addr_i, .act_size_i,
    .done_o(ad_done), .error_o(ad_error),
    .ar_valid_o(acc_ar_valid_o), .ar_ready_i(acc_ar_ready_i), .ar_addr_o(acc_ar_addr_o),
    .ar_len_o(acc_ar_len_o), .r_valid_i(acc_r_valid_i), .r_data_i(acc_r_data_i), .r_last_i(acc_r_last_i),
    .wr_en_o(ad_wr_en), .wr_row_o(ad_wr_row), .wr_data_o(ad_wr_data)
  );
  assign dp_ready[Compute] = cu_ready;
  assign dp_done[Compute]  = cu_done || ad_done;
  assign acc_wr_en         = cu_wr_en || ad_wr_en;
  assign acc_wr_row        = cu_wr_en ? cu_wr_row : ad_wr_row;
  assign acc_wr_data       = cu_wr_en ? cu_wr_data : ad_wr_data;

  // ---------------------------------------------------------------------------------------------------------------
  // Store unit.
  logic        st_done;
  logic [31:0] st_error;
  dma_store #(.BeatBytes(BeatBytes), .Cols(Cols), .MaxOutstanding(MaxOutstanding)) u_store_dma (
    .clk_i, .rst_ni,
    .start_i(dp_valid[Store]), .insn_i(dp_entry[Store][InsnBits-1:0]), .act_addr_i, .act_size_i,
    .done_o(st_done), .error_code_o(st_error),
    .acc_rd_en_o(st_rd_en), .acc_rd_row_o(st_rd_row), .acc_rd_data_i(st_rd_data),
    .aw_valid_o(store_aw_valid_o), .aw_ready_i(store_aw_ready_i), .aw_addr_o(store_aw_addr_o),
    .aw_len_o(store_aw_len_o), .w_valid_o(store_w_valid_o), .w_ready_i(store_w_ready_i),
    .w_data_o(store_w_data_o), .w_strb_o(store_w_strb_o), .w_last_o(store_w_last_o),
    .b_valid_i(store_b_valid_i), .b_ready_o(store_b_ready_o)
  );
  assign dp_ready[Store] = 1'b1;
  assign dp_done[Store]  = st_done;

  // ---------------------------------------------------------------------------------------------------------------
  // Status and the per-unit instruction marks.
  logic [31:0] status_q, error_pc_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      status_q   <= 32'(systole_pkg::ErrorOk);
      error_pc_q <= '0;
    end else if (start_i) begin
      status_q   <= 32'(systole_pkg::ErrorOk);
      error_pc_q <= '0;
    end else if (status_q == 32'(systole_pkg::ErrorOk)) begin
      if (dp_valid[Load] && ld_error) begin
        status_q   <= 32'(systole_pkg::ErrorDmaOutOfBounds);
        error_pc_q <= dp_entry[Load][EntryBits-1:InsnBits];
      end else if (acc_load_start && ad_error) begin
        status_q   <= 32'(systole_pkg::ErrorDmaOutOfBounds);
        error_pc_q <= dp_entry[Compute][EntryBits-1:InsnBits];
      end else if (dp_valid[Store] && st_error != 32'(systole_pkg::ErrorOk)) begin
        status_q   <= st_error;
        error_pc_q <= dp_entry[Store][EntryBits-1:InsnBits];
      end
    end
  end
  assign status_o   = status_q;
  assign error_pc_o = error_pc_q;

  logic [2:0] ended_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) ended_q <= '0;
    else ended_q <= dp_done;
  end
  assign offered_o    = insn_valid;
  assign dispatched_o = dispatch_fire;
  assign started_o    = dp_valid & dp_ready;
  assign ended_o      = ended_q;

endmodule
