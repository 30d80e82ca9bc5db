// The DMA of a load instruction (docs/timing.md, "DMA"): reads the elements of the instruction's 2-D walk from DRAM
// through an AXI4 read port and writes one on-chip row per walk position, padding included.
//
// - Each element (lanes x element size contiguous bytes) is one request: one burst, or two where it crosses a 4 KiB
//   boundary. Requests go out in walk order, the first in the instruction's first cycle, each in the cycle after
//   the previous one was accepted (ar_valid_o stays high until ar_ready_i).
// - Bursts are aligned full-width INCR bursts over the words an element touches; the element's bytes are picked out
//   of the beats as they arrive (rready is always high: every burst has room, the element buffer and the descriptor
//   queue are sized for the outstanding limit).
// - A data row is written in the cycle after its element's last beat; padding rows (pad_value) are written, in walk
//   order, in every cycle from the first on that no data row takes. done_o is high in the cycle of the last row
//   write (in the first cycle when there are no rows).
// - The walk is checked against its region before anything moves: out of bounds raises error_o and done_o in the
//   first cycle instead (ErrorCode dma_out_of_bounds).
//
// Rows: OutLanes lanes of OutBits (8: the input scratchpad and the weight buffer; 32: the accumulator). int8 data
// is taken as is (sign-extended to 32 bits), uint8 has its sign bit flipped for 8-bit rows (u - 128) and is
// zero-extended for 32-bit rows, int32 takes 4 bytes per lane; lanes beyond `lanes` and padding rows get pad_value.
module dma_load #(
  parameter int unsigned BeatBytes = 16,       // W: the AXI data width in bytes
  parameter int unsigned OutLanes = 4,
  parameter int unsigned OutBits = 8,
  parameter int unsigned MaxOutstanding = 16,  // bursts in flight the port allows (the descriptor queue's depth)
  localparam int unsigned ElemBytes = OutLanes * OutBits / 8,  // the largest element: a full row
  localparam int unsigned BeatBits = BeatBytes * 8,
  localparam int unsigned RowBits = OutLanes * OutBits
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  // the instruction (a load), in its first cycle
  input  logic                start_i,
  input  logic [255:0]        insn_i,
  input  logic [63:0]         const_addr_i,
  input  logic [63:0]         const_size_i,
  input  logic [63:0]         act_addr_i,
  input  logic [63:0]         act_size_i,
  output logic                done_o,
  output logic                error_o,
  // AXI4 read address and data channels
  output logic                ar_valid_o,
  input  logic                ar_ready_i,
  output logic [63:0]         ar_addr_o,
  output logic [7:0]          ar_len_o,
  input  logic                r_valid_i,
  input  logic [BeatBits-1:0] r_data_i,
  input  logic                r_last_i,
  // row writes
  output logic                wr_en_o,
  output logic [23:0]         wr_row_o,
  output logic [RowBits-1:0]  wr_data_o
);

  localparam int unsigned WordShift = $clog2(BeatBytes);

  // ---------------------------------------------------------------------------------------------------------------
  // The instruction.
  systole_pkg::load_insn_t f, f_q;
  assign f = insn_i;

  logic [63:0] base, size, walk_end;
  logic [15:0] elem_bytes;
  logic [65:0] span;
  logic        empty, out_of_bounds;
  always_comb begin
    base       = f.region == systole_pkg::RegionConst ? const_addr_i : act_addr_i;
    size       = f.region == systole_pkg::RegionConst ? const_size_i : act_size_i;
    elem_bytes = f.dtype == systole_pkg::DtypeInt32 ? {f.lanes[13:0], 2'b00} : f.lanes;
    empty      = f.y_size == 0 || f.x_size == 0 || elem_bytes == 0;
    span       = 66'(f.dram_offset) + (66'(f.y_size) - 66'd1) * 66'(f.y_stride) +
                 (66'(f.x_size) - 66'd1) * 66'(f.x_stride) + 66'(elem_bytes);
    walk_end   = span[63:0];
    out_of_bounds = empty ? f.dram_offset > size : (span[65:64] != 2'b00 || walk_end > size);
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Requests: the element walk on the address channel.
  logic        active_q;        // an instruction is running
  logic        req_active_q;    // requests remain
  logic [15:0] req_y_q, req_x_q;
  logic [63:0] req_row_addr_q;  // DRAM address of element (y, 0)
  logic [63:0] req_addr_q;      // DRAM address of the current element
  logic        req_second_q;    // the current element's second burst (after a 4 KiB boundary) is next
  logic [23:0] req_sram_q;      // on-chip row of the current element
  logic [23:0] req_sram_row_q;  // on-chip row of element (y, 0)
  logic [23:0] width_q;         // pad_left + x_size + pad_right

  // This cycle's request state: the registers, or the new instruction's first element in its first cycle.
  logic        rq_active, rq_second;
  logic [15:0] rq_y, rq_x, rq_bytes;
  logic [63:0] rq_row_addr, rq_addr;
  logic [23:0] rq_sram, rq_sram_row, rq_width;
  logic [23:0] first_row;
  always_comb begin
    first_row   = f.sram_addr + 24'(f.pad_top) * (24'(f.pad_left) + 24'(f.x_size) + 24'(f.pad_right)) +
                  24'(f.pad_left);
    rq_active   = start_i ? (!out_of_bounds && f.y_size != 0 && f.x_size != 0 && elem_bytes != 0) : req_active_q;
    rq_second   = start_i ? 1'b0 : req_second_q;
    rq_y        = start_i ? 16'd0 : req_y_q;
    rq_x        = start_i ? 16'd0 : req_x_q;
    rq_bytes    = start_i ? elem_bytes : elem_bytes_q;
    rq_row_addr = start_i ? base + f.dram_offset : req_row_addr_q;
    rq_addr     = start_i ? base + f.dram_offset : req_addr_q;
    rq_sram     = start_i ? first_row : req_sram_q;
    rq_sram_row = start_i ? first_row : req_sram_row_q;
    rq_width    = start_i ? (24'(f.pad_left) + 24'(f.x_size) + 24'(f.pad_right)) : width_q;
  end

  logic [63:0] burst_word;
  logic [7:0]  burst_len;
  logic        burst_last_of_elem;
  // A load needs only the burst's words: the element's bytes are picked out of them by address.
  /* verilator lint_off PINCONNECTEMPTY */
  dma_burst #(.BeatBytes(BeatBytes)) u_burst (
    .addr_i(rq_addr), .bytes_i(rq_bytes), .second_i(rq_second),
    .burst_addr_o(), .burst_bytes_o(), .last_o(burst_last_of_elem), .word_addr_o(burst_word), .len_o(burst_len)
  );
  /* verilator lint_on PINCONNECTEMPTY */

  logic [15:0] elem_bytes_q;
  logic        desc_ready;
  assign ar_valid_o = rq_active && desc_ready;
  assign ar_addr_o  = burst_word;
  assign ar_len_o   = burst_len;
  logic ar_fire;
  assign ar_fire = ar_valid_o && ar_ready_i;

  // One descriptor per burst in flight: where its bytes go.
  typedef struct packed {
    logic [63:0] word_addr;  // address of its first beat's word
    logic [63:0] elem_addr;  // address of its element's first byte
    logic [23:0] row;        // on-chip row of its element
    logic        last;       // the element's last burst
  } desc_t;
  desc_t desc_in, desc;
  logic  desc_valid, desc_pop;
  // (Concatenations in field order and widths from signals: Yosys 0.23 reads no assignment patterns or $bits(type).)
  assign desc_in = {burst_word, rq_addr, rq_sram, burst_last_of_elem};
  /* verilator lint_off PINCONNECTEMPTY */
  fifo #(.Width($bits(desc_in)), .Depth(MaxOutstanding)) u_desc (
    .clk_i, .rst_ni,
    .in_valid_i(ar_fire), .in_ready_o(desc_ready), .in_data_i(desc_in),
    .out_valid_o(desc_valid), .out_ready_i(desc_pop), .out_data_o(desc),
    .count_o()
  );
  /* verilator lint_on PINCONNECTEMPTY */

  // ---------------------------------------------------------------------------------------------------------------
  // Data: the beats of the burst at the head of the descriptor queue.
  logic [63:0]         beat_addr_q;  // word address of the next beat of the head burst
  logic                beat_first_q; // the next beat is the head burst's first
  logic [7:0]          elem_q [ElemBytes];
  logic [7:0]          elem   [ElemBytes];
  logic [63:0]         word_addr;
  logic                beat, elem_done;
  assign beat      = r_valid_i && desc_valid;
  assign desc_pop  = beat && r_last_i;
  assign word_addr = beat_first_q ? desc.word_addr : beat_addr_q;
  assign elem_done = desc_pop && desc.last;

  always_comb begin
    for (int unsigned p = 0; p < ElemBytes; p++) begin
      // Byte p of the element is byte (elem_addr + p - word_addr) of this beat, if that lies in the beat.
      logic [63:0] j;
      j = desc.elem_addr + 64'(p) - word_addr;
      elem[p] = elem_q[p];
      if (beat && j < 64'(BeatBytes)) elem[p] = r_data_i[8*j[WordShift-1:0] +: 8];
    end
  end

  // The row an element makes.
  logic [RowBits-1:0] data_row, pad_row;
  always_comb begin
    for (int unsigned l = 0; l < OutLanes; l++) begin
      // 8-bit rows keep the low byte of each lane.
      /* verilator lint_off UNUSEDSIGNAL */
      logic [31:0] v;
      /* verilator lint_on UNUSEDSIGNAL */
      if (f_q.dtype == systole_pkg::DtypeInt32) begin
        v = (OutBits == 32 && 4 * l + 3 < ElemBytes) ? {elem[4*l+3], elem[4*l+2], elem[4*l+1], elem[4*l]} : '0;
      end else if (f_q.dtype == systole_pkg::DtypeUint8) begin
        v = (OutBits == 32) ? {24'h0, elem[l]} : {24'h0, elem[l] ^ 8'h80};
      end else begin
        v = {{24{elem[l][7]}}, elem[l]};
      end
      if (16'(l) >= f_q.lanes) v = {{24{f_q.pad_value[7]}}, f_q.pad_value};
      data_row[OutBits*l +: OutBits] = v[OutBits-1:0];
      pad_row[OutBits*l +: OutBits]  = OutBits'({{24{cf.pad_value[7]}}, cf.pad_value});
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Row writes: the data row completed last cycle, else the next padding row.
  logic               row_valid_q;
  logic [23:0]        row_idx_q;
  logic [RowBits-1:0] row_q;
  logic [31:0]        data_left_q, pad_left_q;
  logic [15:0]        pad_y_q, pad_x_q;  // the next padding position
  logic [15:0]        py, px;            // the position after it
  logic               pad_write;

  // Walk-order successor of a padding position that is again a padding position (data rows are skipped), from the
  // instruction's padding and size fields (passed one by one: Yosys 0.23 takes no struct arguments).
  function automatic logic [31:0] next_pad(logic [15:0] y, logic [15:0] x, logic [7:0] pt, logic [7:0] pl,
                                           logic [7:0] pr, logic [15:0] ys, logic [15:0] xs, logic [15:0] w);
    logic [15:0] ny, nx;
    logic        data;
    ny = y;
    nx = x + 16'd1;
    if (nx == w) begin
      nx = '0;
      ny = y + 16'd1;
    end
    data = ny >= 16'(pt) && ny < 16'(pt) + ys && nx >= 16'(pl) && nx < 16'(pl) + xs;
    if (data) begin
      if (pr != 0) begin
        nx = 16'(pl) + xs;
      end else if (pl != 0) begin
        nx = '0;
        ny = ny + 16'd1;
      end else begin
        nx = '0;
        ny = 16'(pt) + ys;
      end
    end
    next_pad = {ny, nx};
  endfunction

  // The first padding position of an instruction: (0, 0), or the first one after it when that is data.
  logic [15:0] width_in;
  logic [31:0] first_pad, rows_in, data_in;
  always_comb begin
    width_in  = 16'(f.pad_left) + f.x_size + 16'(f.pad_right);
    rows_in   = (32'(f.pad_top) + 32'(f.y_size) + 32'(f.pad_bottom)) * 32'(width_in);
    data_in   = 32'(f.y_size) * 32'(f.x_size);
    first_pad = (f.pad_top == 0 && f.pad_left == 0 && f.y_size != 0 && f.x_size != 0)
                    ? next_pad(16'd0, 16'hffff, f.pad_top, f.pad_left, f.pad_right, f.y_size, f.x_size, width_in)
                    : 32'd0;
  end

  // This cycle's state: the registers, or the new instruction's in its first cycle (padding rows may be written
  // from that cycle on).
  // Only the padding, size and address fields are read through this view.
  /* verilator lint_off UNUSEDSIGNAL */
  systole_pkg::load_insn_t cf;
  /* verilator lint_on UNUSEDSIGNAL */
  logic        active;
  logic [31:0] cur_data_left, cur_pad_left;
  logic [15:0] cur_pad_y, cur_pad_x;
  logic [23:0] cur_width;
  always_comb begin
    cf            = start_i ? f : f_q;
    active        = start_i ? (!out_of_bounds && rows_in != 0) : active_q;
    cur_data_left = start_i ? data_in : data_left_q;
    cur_pad_left  = start_i ? rows_in - data_in : pad_left_q;
    cur_pad_y     = start_i ? first_pad[31:16] : pad_y_q;
    cur_pad_x     = start_i ? first_pad[15:0] : pad_x_q;
    cur_width     = start_i ? 24'(width_in) : width_q;
  end

  assign pad_write = active && !row_valid_q && cur_pad_left != 0;
  assign {py, px}  = next_pad(cur_pad_y, cur_pad_x, cf.pad_top, cf.pad_left, cf.pad_right, cf.y_size, cf.x_size,
                              cur_width[15:0]);

  always_comb begin
    wr_en_o   = 1'b0;
    wr_row_o  = row_idx_q;
    wr_data_o = row_q;
    if (row_valid_q) begin
      wr_en_o = 1'b1;
    end else if (pad_write) begin
      wr_en_o   = 1'b1;
      wr_row_o  = cf.sram_addr + 24'(cur_pad_y) * cur_width + 24'(cur_pad_x);
      wr_data_o = pad_row;
    end
  end

  logic [31:0] data_left, pad_left;
  always_comb begin
    data_left = cur_data_left - (row_valid_q ? 32'd1 : 32'd0);
    pad_left  = cur_pad_left - (pad_write ? 32'd1 : 32'd0);
    done_o    = (start_i && (out_of_bounds || rows_in == 0)) || (active && wr_en_o && data_left == 0 && pad_left == 0);
    error_o   = start_i && out_of_bounds;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_q            <= '0;
      active_q       <= 1'b0;
      req_active_q   <= 1'b0;
      req_y_q        <= '0;
      req_x_q        <= '0;
      req_row_addr_q <= '0;
      req_addr_q     <= '0;
      req_second_q   <= 1'b0;
      req_sram_q     <= '0;
      req_sram_row_q <= '0;
      width_q        <= '0;
      elem_bytes_q   <= '0;
      beat_addr_q    <= '0;
      beat_first_q   <= 1'b1;
      row_valid_q    <= 1'b0;
      row_idx_q      <= '0;
      row_q          <= '0;
      data_left_q    <= '0;
      pad_left_q     <= '0;
      pad_y_q        <= '0;
      pad_x_q        <= '0;
      for (int unsigned p = 0; p < ElemBytes; p++) elem_q[p] <= '0;
    end else begin
      if (start_i) begin
        f_q            <= f;
        active_q       <= !out_of_bounds && rows_in != 0;
        width_q        <= 24'(width_in);
        elem_bytes_q   <= elem_bytes;
        data_left_q    <= data_left;
        pad_left_q     <= pad_left;
        pad_y_q        <= pad_write ? py : first_pad[31:16];
        pad_x_q        <= pad_write ? px : first_pad[15:0];
        if (done_o) active_q <= 1'b0;
      end else begin
        // Row writes.
        data_left_q <= data_left;
        pad_left_q  <= pad_left;
        if (pad_write) begin
          pad_y_q <= py;
          pad_x_q <= px;
        end
        if (done_o) active_q <= 1'b0;
      end
      // Requests advance on each accepted burst.
      req_active_q   <= rq_active;
      req_second_q   <= rq_second;
      req_y_q        <= rq_y;
      req_x_q        <= rq_x;
      req_row_addr_q <= rq_row_addr;
      req_addr_q     <= rq_addr;
      req_sram_q     <= rq_sram;
      req_sram_row_q <= rq_sram_row;
      if (ar_fire && !burst_last_of_elem) begin
        req_second_q <= 1'b1;
      end else if (ar_fire) begin
        req_second_q <= 1'b0;
        if (rq_x + 16'd1 < cf.x_size) begin
          req_x_q    <= rq_x + 16'd1;
          req_addr_q <= rq_addr + 64'(cf.x_stride);
          req_sram_q <= rq_sram + 24'd1;
        end else begin
          req_x_q        <= '0;
          req_y_q        <= rq_y + 16'd1;
          req_row_addr_q <= rq_row_addr + 64'(cf.y_stride);
          req_addr_q     <= rq_row_addr + 64'(cf.y_stride);
          req_sram_row_q <= rq_sram_row + rq_width;
          req_sram_q     <= rq_sram_row + rq_width;
          if (rq_y + 16'd1 >= cf.y_size) req_active_q <= 1'b0;
        end
      end
      // Beats (they may still arrive in the cycle a new instruction starts: never, as the previous one ends with
      // its last row write, after its last beat).
      if (beat) begin
        beat_first_q <= r_last_i;
        beat_addr_q  <= word_addr + 64'(BeatBytes);
        for (int unsigned p = 0; p < ElemBytes; p++) elem_q[p] <= elem[p];
      end
      row_valid_q <= elem_done;
      if (elem_done) begin
        row_idx_q <= desc.row;
        row_q     <= data_row;
      end
    end
  end

endmodule
