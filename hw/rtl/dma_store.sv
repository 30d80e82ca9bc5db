// The DMA of a store instruction (docs/timing.md, "DMA"): reads accumulator rows, requantizes and clamps them on the
// way out, and writes the elements of the instruction's 2-D walk to DRAM through an AXI4 write port.
//
// - With requant, the parameter rows (fp32 scales, zero points) are read in the first two cycles; then row k
//   (sram_addr + k) is read in its cycle and its element's write is requested in the next, while the following row
//   is read in the cycle that request is accepted (aw_ready_i), so one element waits ahead of the address channel.
// - Each element is one request: one burst, or two where it crosses a 4 KiB boundary; aligned full-width INCR
//   bursts over the words it touches, with byte strobes. Written data waits in a queue until its beats are taken.
// - done_o is high in the cycle of the last write beat, or of the last row read if that is later (in the first
//   cycle when there is nothing to do). B responses are always accepted and not waited for.
// - Before anything moves: a store to the const region raises ErrorStoreToConst, a walk outside the act region
//   ErrorDmaOutOfBounds (error_code_o and done_o in the first cycle).
module dma_store #(
  parameter int unsigned BeatBytes = 16,       // W: the AXI data width in bytes
  parameter int unsigned Cols = 4,             // lanes of an accumulator row
  parameter int unsigned MaxOutstanding = 16,  // bursts in flight the port allows (the write queue's depth)
  localparam int unsigned ElemBytes = Cols * 4,
  localparam int unsigned BeatBits = BeatBytes * 8,
  localparam int unsigned AccWidth = Cols * 32
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // the instruction (a store), in its first cycle
  input  logic                  start_i,
  input  logic [255:0]          insn_i,
  input  logic [63:0]           act_addr_i,
  input  logic [63:0]           act_size_i,
  output logic                  done_o,
  output logic [31:0]           error_code_o,  // a systole_pkg::error_code_e value
  // the accumulator's read port for the store unit: data in the next cycle
  output logic                  acc_rd_en_o,
  output logic [23:0]           acc_rd_row_o,
  input  logic [AccWidth-1:0]   acc_rd_data_i,
  // AXI4 write address, data and response channels
  output logic                  aw_valid_o,
  input  logic                  aw_ready_i,
  output logic [63:0]           aw_addr_o,
  output logic [7:0]            aw_len_o,
  output logic                  w_valid_o,
  input  logic                  w_ready_i,
  output logic [BeatBits-1:0]   w_data_o,
  output logic [BeatBytes-1:0]  w_strb_o,
  output logic                  w_last_o,
  input  logic                  b_valid_i,  // responses are not waited for (see above)
  output logic                  b_ready_o
);


  systole_pkg::store_insn_t f, f_q;
  // The current instruction: only its sizes and addresses are read through this view.
  /* verilator lint_off UNUSEDSIGNAL */
  systole_pkg::store_insn_t cf;
  /* verilator lint_on UNUSEDSIGNAL */
  assign f = insn_i;

  // ---------------------------------------------------------------------------------------------------------------
  // Checks, in the first cycle.
  logic [15:0] elem_bytes;
  logic [65:0] span;
  logic        empty, out_of_bounds, to_const;
  logic [31:0] rows_in;
  always_comb begin
    elem_bytes    = f.dtype == systole_pkg::DtypeInt32 ? {f.lanes[13:0], 2'b00} : f.lanes;
    empty         = f.y_size == 0 || f.x_size == 0 || elem_bytes == 0;
    span          = 66'(f.dram_offset) + (66'(f.y_size) - 66'd1) * 66'(f.y_stride) +
                    (66'(f.x_size) - 66'd1) * 66'(f.x_stride) + 66'(elem_bytes);
    out_of_bounds = empty ? f.dram_offset > act_size_i : (span[65:64] != 2'b00 || span[63:0] > act_size_i);
    to_const      = f.region != systole_pkg::RegionAct;
    rows_in       = 32'(f.y_size) * 32'(f.x_size);
    error_code_o  = 32'(systole_pkg::ErrorOk);
    if (start_i && to_const) begin
      error_code_o = 32'(systole_pkg::ErrorStoreToConst);
    end else if (start_i && out_of_bounds) begin
      error_code_o = 32'(systole_pkg::ErrorDmaOutOfBounds);
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Reads: parameter rows, then data rows; an element buffer holds the row read last cycle until its write is
  // requested.
  logic        active_q;
  logic [1:0]  params_left_q;   // parameter rows still to read
  logic        param_cap_q;     // which parameter row arrives this cycle (valid with param_arriving_q): 0 scale, 1 zp
  logic        param_arriving_q;
  logic [31:0] rows_left_q;     // data rows still to read
  logic [23:0] next_row_q;
  logic        row_arriving_q;  // a data row read last cycle arrives now
  logic        elem_valid_q;    // the element buffer holds an element whose write is not yet accepted
  logic [AccWidth-1:0] scale_q, zp_q;

  // This cycle's state (the new instruction's in its first cycle).
  logic        active;
  logic [1:0]  params_left;
  logic [31:0] rows_left;
  logic [23:0] next_row;
  logic        ok;
  always_comb begin
    cf          = start_i ? f : f_q;
    ok          = !to_const && !out_of_bounds;
    active      = start_i ? ok && (f.requant[0] || rows_in != 0) : active_q;
    params_left = start_i ? (f.requant[0] ? 2'(systole_pkg::RequantParamRows) : 2'd0) : params_left_q;
    rows_left   = start_i ? rows_in : rows_left_q;
    next_row    = start_i ? f.sram_addr : next_row_q;
  end

  // The element being requested and its walk position.
  logic [15:0] req_y_q, req_x_q;
  logic [63:0] req_row_addr_q, req_addr_q;
  logic        req_second_q;
  logic [7:0]  elem_q [ElemBytes];
  logic [7:0]  elem   [ElemBytes];

  logic [63:0] burst_addr, burst_word;
  logic [15:0] burst_bytes, cur_bytes;
  logic [7:0]  burst_len;
  logic        burst_last_of_elem, aw_fire, queue_ready;
  assign cur_bytes = cf.dtype == systole_pkg::DtypeInt32 ? {cf.lanes[13:0], 2'b00} : cf.lanes;
  dma_burst #(.BeatBytes(BeatBytes)) u_burst (
    .addr_i(req_addr_q), .bytes_i(cur_bytes), .second_i(req_second_q),
    .burst_addr_o(burst_addr), .burst_bytes_o(burst_bytes), .last_o(burst_last_of_elem), .word_addr_o(burst_word),
    .len_o(burst_len)
  );

  // The element's write goes out from the cycle after its row was read.
  logic elem_ready;
  assign elem_ready = row_arriving_q || elem_valid_q;
  assign aw_valid_o = active_q && elem_ready && queue_ready;
  assign aw_addr_o  = burst_word;
  assign aw_len_o   = burst_len;
  assign aw_fire    = aw_valid_o && aw_ready_i;

  // A row is read when the parameter rows are in, rows remain, and no element waits (or the waiting one's last
  // request goes out this cycle).
  logic read_param, read_row, elem_leaves;
  assign elem_leaves = aw_fire && burst_last_of_elem;
  always_comb begin
    read_param   = active && params_left != 0;
    read_row     = active && params_left == 0 && rows_left != 0 && (!elem_ready || elem_leaves);
    acc_rd_en_o  = read_param || read_row;
    acc_rd_row_o = read_param ? cf.param_addr + 24'(systole_pkg::RequantParamRows) - 24'(params_left) : next_row;
  end

  // Requantize, clamp and pack the row arriving now.
  // The clamp: the type's range, narrowed by clamp_min/clamp_max for int8 and uint8 (never below lo).
  logic signed [31:0] lo, hi, type_lo, type_hi, cmin, cmax;
  always_comb begin
    type_lo = f_q.dtype == systole_pkg::DtypeUint8 ? 32'sd0 : -32'sd128;
    type_hi = f_q.dtype == systole_pkg::DtypeUint8 ? 32'sd255 : 32'sd127;
    cmin    = 32'(f_q.clamp_min);
    cmax    = 32'(f_q.clamp_max);
    lo      = -32'sd2147483648;
    hi      = 32'sd2147483647;
    if (f_q.dtype != systole_pkg::DtypeInt32) begin
      lo = cmin < type_lo ? type_lo : (cmin > type_hi ? type_hi : cmin);
      hi = cmax < type_lo ? type_lo : (cmax > type_hi ? type_hi : cmax);
      if (hi < lo) hi = lo;
    end
  end
  logic [31:0] lane_v [Cols];  // each lane requantized (when asked) and clamped
  for (genvar l = 0; l < Cols; l++) begin : g_lane
    logic signed [31:0] raw, scaled, v;
    assign raw = acc_rd_data_i[32*l +: 32];
    requant u_requant (
      .acc_i(raw), .scale_i(scale_q[32*l +: 32]), .zero_point_i(zp_q[32*l +: 32]),
      .lo_i(-32'sd2147483648), .hi_i(32'sd2147483647), .out_o(scaled)
    );
    always_comb begin
      v = f_q.requant[0] ? scaled : raw;
      v = v < lo ? lo : (v > hi ? hi : v);
    end
    assign lane_v[l] = v;
  end
  // The element's bytes: 4 per lane for int32, 1 per lane otherwise; the buffer keeps them until the request goes.
  always_comb begin
    for (int unsigned p = 0; p < ElemBytes; p++) begin
      if (!row_arriving_q) begin
        elem[p] = elem_q[p];
      end else if (f_q.dtype == systole_pkg::DtypeInt32) begin
        elem[p] = lane_v[p/4][8*(p%4) +: 8];
      end else begin
        elem[p] = p < Cols ? lane_v[p%Cols][7:0] : 8'h00;
      end
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // The write queue: one entry per accepted burst, its words and the bytes to strobe.
  typedef struct packed {
    logic [63:0]             word_addr;   // address of its first beat's word
    logic [63:0]             lo, hi;      // its byte range [lo, hi)
    logic [63:0]             elem_addr;   // address of its element's first byte
    logic [ElemBytes*8-1:0]  data;        // the element's bytes, byte p at [8p +: 8]
  } wq_t;
  wq_t wq_in, wq;
  logic wq_valid, wq_pop;
  logic [$clog2(MaxOutstanding+1)-1:0] wq_count;
  logic [ElemBytes*8-1:0] elem_flat;
  always_comb begin
    for (int unsigned p = 0; p < ElemBytes; p++) elem_flat[8*p +: 8] = elem[p];
  end
  // (Concatenation in field order and the width from the signal: Yosys 0.23 reads no assignment patterns or
  // $bits(type).)
  assign wq_in = {burst_word, burst_addr, burst_addr + 64'(burst_bytes), req_addr_q,
                  elem_flat};
  fifo #(.Width($bits(wq_in)), .Depth(MaxOutstanding)) u_wq (
    .clk_i, .rst_ni,
    .in_valid_i(aw_fire), .in_ready_o(queue_ready), .in_data_i(wq_in),
    .out_valid_o(wq_valid), .out_ready_i(wq_pop), .out_data_o(wq),
    .count_o(wq_count)
  );

  logic [63:0] beat_addr_q, beat_addr, beat_next;
  logic        beat_first_q;
  assign beat_addr = beat_first_q ? wq.word_addr : beat_addr_q;
  assign beat_next = beat_addr + 64'(BeatBytes);
  always_comb begin
    w_valid_o = wq_valid;
    w_last_o  = beat_next >= wq.hi;
    for (int unsigned j = 0; j < BeatBytes; j++) begin
      // The byte's offset in its element is below ElemBytes whenever it is strobed.
      /* verilator lint_off UNUSEDSIGNAL */
      logic [63:0] a, p;
      /* verilator lint_on UNUSEDSIGNAL */
      a = beat_addr + 64'(j);
      p = a - wq.elem_addr;
      w_strb_o[j]       = a >= wq.lo && a < wq.hi;
      w_data_o[8*j +: 8] = w_strb_o[j] ? wq.data[8*p[$clog2(ElemBytes)-1:0] +: 8] : 8'h00;
    end
  end
  assign wq_pop    = w_valid_o && w_ready_i && w_last_o;
  assign b_ready_o = 1'b1;
  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_b;
  assign unused_b = b_valid_i;
  /* verilator lint_on UNUSEDSIGNAL */

  // ---------------------------------------------------------------------------------------------------------------
  // Completion: nothing left to read, no element waiting, and the last beat goes out; with no rows, the last
  // parameter read (or the first cycle).
  always_comb begin
    done_o = 1'b0;
    if (start_i && (!ok || (!f.requant[0] && rows_in == 0))) done_o = 1'b1;
    if (active && read_param && params_left == 2'd1 && rows_left == 0) done_o = 1'b1;
    if (active_q && params_left_q == 0 && rows_left_q == 0 && !elem_ready && !aw_fire && wq_pop &&
        wq_count == 1) begin
      done_o = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_q              <= '0;
      active_q         <= 1'b0;
      params_left_q    <= '0;
      param_cap_q      <= '0;
      param_arriving_q <= 1'b0;
      rows_left_q      <= '0;
      next_row_q       <= '0;
      row_arriving_q   <= 1'b0;
      elem_valid_q     <= 1'b0;
      scale_q          <= '0;
      zp_q             <= '0;
      req_y_q          <= '0;
      req_x_q          <= '0;
      req_row_addr_q   <= '0;
      req_addr_q       <= '0;
      req_second_q     <= 1'b0;
      beat_addr_q      <= '0;
      beat_first_q     <= 1'b1;
      for (int unsigned p = 0; p < ElemBytes; p++) elem_q[p] <= '0;
    end else begin
      if (start_i) begin
        f_q            <= f;
        req_y_q        <= '0;
        req_x_q        <= '0;
        req_row_addr_q <= act_addr_i + f.dram_offset;
        req_addr_q     <= act_addr_i + f.dram_offset;
        req_second_q   <= 1'b0;
      end
      active_q      <= active && !done_o;
      params_left_q <= params_left - (read_param ? 2'd1 : 2'd0);
      rows_left_q   <= rows_left - (read_row ? 32'd1 : 32'd0);
      next_row_q    <= next_row + (read_row ? 24'd1 : 24'd0);
      param_arriving_q <= read_param;
      param_cap_q      <= params_left == 2'(systole_pkg::RequantParamRows) ? 1'b0 : 1'b1;
      row_arriving_q   <= read_row;
      if (param_arriving_q) begin
        if (param_cap_q) begin
          zp_q <= acc_rd_data_i;
        end else begin
          scale_q <= acc_rd_data_i;
        end
      end
      // The element waits in its buffer until its last request is accepted.
      if (row_arriving_q) begin
        for (int unsigned p = 0; p < ElemBytes; p++) elem_q[p] <= elem[p];
      end
      elem_valid_q <= elem_ready && !elem_leaves;
      // The walk advances on each accepted request.
      if (aw_fire && !burst_last_of_elem) begin
        req_second_q <= 1'b1;
      end else if (aw_fire) begin
        req_second_q <= 1'b0;
        if (req_x_q + 16'd1 < f_q.x_size) begin
          req_x_q    <= req_x_q + 16'd1;
          req_addr_q <= req_addr_q + 64'(f_q.x_stride);
        end else begin
          req_x_q        <= '0;
          req_y_q        <= req_y_q + 16'd1;
          req_row_addr_q <= req_row_addr_q + 64'(f_q.y_stride);
          req_addr_q     <= req_row_addr_q + 64'(f_q.y_stride);
        end
      end
      // Beats.
      if (w_valid_o && w_ready_i) begin
        beat_first_q <= w_last_o;
        beat_addr_q  <= beat_next;
      end
    end
  end

endmodule
