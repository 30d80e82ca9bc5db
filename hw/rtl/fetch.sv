// Instruction fetch (docs/timing.md, "Fetch"): reads the segment's instruction stream from DRAM over its own AXI4
// read port (m_axi_fetch) into a buffer, and hands dispatch one instruction per cycle, in order.
//
// The buffer holds entries of EntryBytes = max(beat, instruction) bytes: one beat carrying BeatBytes / 32
// instructions, or one instruction gathered from 32 / BeatBytes beats. It has room for two chunks of ChunkBytes =
// max(dram.burst_bytes, EntryBytes): the stream is read in bursts that end at chunk boundaries (the first starts at
// insn_addr, the last ends after the last instruction), one request per cycle at most, in order. A burst is requested
// only when the buffer has room for every entry it brings, counting the entries of bursts in flight (a credit,
// judged by the registered count: an entry dispatch frees in cycle t is usable from t + 1). An entry is written in
// the cycle of its last beat and its instructions are available to dispatch from the next cycle; the entry is freed
// in the cycle its last instruction (or the segment's last) is dispatched.
//
// start_i (one cycle) loads the instruction address (32-byte aligned) and count; the first request can go out in the
// next cycle, the segment's cycle 0. The port is always ready for read data (r_ready = 1): the credit guarantees room.
module fetch #(
  parameter  int unsigned BeatBytes  = 16,
  parameter  int unsigned BurstBytes = 512,
  localparam int unsigned InsnBytes  = 32,
  localparam int unsigned InsnBits   = InsnBytes * 8,
  localparam int unsigned BeatBits   = BeatBytes * 8,
  localparam int unsigned EntryBytes = BeatBytes > InsnBytes ? BeatBytes : InsnBytes,
  localparam int unsigned EntryBits  = EntryBytes * 8,
  localparam int unsigned Lanes      = EntryBytes / InsnBytes,
  localparam int unsigned ChunkBytes = BurstBytes > EntryBytes ? BurstBytes : EntryBytes,
  localparam int unsigned Depth      = 2 * ChunkBytes / EntryBytes
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                start_i,
  input  logic [63:0]         insn_addr_i,
  input  logic [31:0]         insn_count_i,
  // m_axi_fetch (read)
  output logic                ar_valid_o,
  input  logic                ar_ready_i,
  output logic [63:0]         ar_addr_o,
  output logic [7:0]          ar_len_o,
  input  logic                r_valid_i,
  input  logic [BeatBits-1:0] r_data_i,
  // to dispatch
  output logic                insn_valid_o,
  output logic [InsnBits-1:0] insn_o,
  input  logic                insn_ready_i
);

  localparam int unsigned BeatShift  = $clog2(BeatBytes);
  localparam int unsigned EntryShift = $clog2(EntryBytes);
  localparam int unsigned ChunkShift = $clog2(ChunkBytes);
  localparam int unsigned LaneBits   = Lanes > 1 ? $clog2(Lanes) : 1;
  localparam int unsigned CountBits  = $clog2(Depth + 1);

  // ---------------------------------------------------------------------------------------------------------------
  // Requests: the next burst runs from next_q to the chunk boundary or the stream's end.
  logic [63:0]          next_q, end_q, chunk_end, hi;
  logic [CountBits-1:0] reserved_q, entries;
  logic                 more, pop;
  always_comb begin
    chunk_end  = {next_q[63:ChunkShift] + (64 - ChunkShift)'(1), ChunkShift'(0)};
    hi         = end_q < chunk_end ? end_q : chunk_end;
    entries    = CountBits'(((hi - 64'd1) >> EntryShift) - (next_q >> EntryShift) + 64'd1);
    more       = next_q < end_q;
    ar_valid_o = more && 32'(reserved_q) + 32'(entries) <= Depth;
    ar_addr_o  = {next_q[63:BeatShift], BeatShift'(0)};
    ar_len_o   = 8'(((hi - 64'd1) >> BeatShift) - (next_q >> BeatShift));
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      next_q     <= '0;
      end_q      <= '0;
      reserved_q <= '0;
    end else if (start_i) begin
      next_q     <= insn_addr_i;
      end_q      <= insn_addr_i + {27'd0, insn_count_i, 5'd0};
      reserved_q <= '0;
    end else begin
      if (ar_valid_o && ar_ready_i) next_q <= hi;
      reserved_q <= reserved_q + (ar_valid_o && ar_ready_i ? entries : '0) - CountBits'(pop);
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Beats into entries.
  logic                 in_valid;
  logic [EntryBits-1:0] in_data;
  if (BeatBytes >= InsnBytes) begin : g_beat_entries
    assign in_valid = r_valid_i;
    assign in_data  = r_data_i;
  end else begin : g_gather
    // An instruction's beats arrive in address order; the stream starts on an instruction boundary.
    localparam int unsigned Beats = InsnBytes / BeatBytes;
    logic [$clog2(Beats)-1:0] beat_q;
    // The instruction's earlier beats, oldest lowest; the lowest beat of the register is never read.
    /* verilator lint_off UNUSEDSIGNAL */
    logic [InsnBits-1:0]      gathered_q;
    /* verilator lint_on UNUSEDSIGNAL */
    assign in_valid = r_valid_i && 32'(beat_q) == Beats - 1;
    assign in_data  = {r_data_i, gathered_q[InsnBits-1:BeatBits]};
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        beat_q     <= '0;
        gathered_q <= '0;
      end else if (start_i) begin
        beat_q <= '0;
      end else if (r_valid_i) begin
        beat_q     <= beat_q + 1'b1;
        gathered_q <= {r_data_i, gathered_q[InsnBits-1:BeatBits]};
      end
    end
  end

  logic                 head_valid;
  logic [EntryBits-1:0] head;
  /* verilator lint_off PINCONNECTEMPTY */
  fifo #(.Width(EntryBits), .Depth(Depth)) u_buffer (
    .clk_i, .rst_ni,
    .in_valid_i(in_valid), .in_ready_o(), .in_data_i(in_data),
    .out_valid_o(head_valid), .out_ready_i(pop), .out_data_o(head),
    .count_o()
  );
  /* verilator lint_on PINCONNECTEMPTY */

  // ---------------------------------------------------------------------------------------------------------------
  // Entries into instructions: lane_q is the lane of the next instruction, left_q the instructions still to hand out.
  logic [LaneBits-1:0] lane_q;
  logic [31:0]         left_q;
  assign insn_valid_o = head_valid && left_q != '0;
  assign insn_o       = head[InsnBits*32'(lane_q) +: InsnBits];
  assign pop          = insn_valid_o && insn_ready_i && (32'(lane_q) == Lanes - 1 || left_q == 32'd1);
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lane_q <= '0;
      left_q <= '0;
    end else if (start_i) begin
      lane_q <= LaneBits'(insn_addr_i[EntryShift-1:0] >> 5);
      left_q <= insn_count_i;
    end else if (insn_valid_o && insn_ready_i) begin
      lane_q <= LaneBits'(32'(lane_q) == Lanes - 1 ? 0 : 32'(lane_q) + 1);
      left_q <= left_q - 32'd1;
    end
  end

endmodule
