// The compute unit's datapath: gemm on the systolic array and vec on the vector unit, one instruction at a time,
// with the occupancy of docs/timing.md to the cycle (n = outer * inner rows, R x C array):
//
//   gemm, weight-stationary (systolic_array.sv): (R + 1) + n + (R + C - 1)
//     cycles 0 .. R-1        read weight rows wgt_addr + R-1 .. wgt_addr (read latency 1), shifted in at 1 .. R
//     cycles R .. R+n-1      read input rows (the gemm walk), entering the array at R+1 .. R+n
//     cycles 2R+C-1 ..       read accumulator rows when accumulating (the acc walk), one cycle before
//     cycles 2R+C .. +n-1    each output row leaves the array (latency R + C - 1) and is written back
//   gemm, output-stationary (OutputStationary = 1, systolic_array_os.sv): B R + 2R + C, B = ceil(n / R) blocks
//     cycle b R + k          block b, step k < R: read weight row wgt_addr + k and input row m = b R + k (the gemm
//                            walk, while m < n); array row k loads it at b R + k + 1; block B only loads (drain)
//     cycle b R + k + R+C-2  the acc walk gives row m's accumulator address; kept in a 2R-entry buffer (two
//                            blocks) because the array returns each block's rows last first
//     cycle (b+2) R + C + s  output row m = b R + R-1-s leaves the array and is written back when m < n (its
//                            accumulator row read one cycle before when accumulating); the last write is
//                            row (B-1) R at B R + 2R + C - 1
//   vec:  n + 1 + bank conflicts
//     per element, the rows its op reads are issued greedily, one per bank per cycle (dst first, then src or the
//     requant parameter rows src (fp32 scales) and src+1 (zero points), which stay latched while the source address
//     repeats and no write hits them); the element is computed and written in the cycle after its last read, while the next element's
//     reads go out.
//
// A row written in cycle t and read in the same cycle (read-first memories) is forwarded from the write, so every
// element sees the previous one's result, as the functional model's in-order loops do. Accumulator loads, also on
// the compute unit, are not part of this module yet. The instruction is taken when insn_valid_i and insn_ready_o
// are both high (its cycle 0); done_o is high in its last cycle, and the next instruction may be taken in the cycle
// after.
module compute_unit #(
  parameter int unsigned Rows = 4,
  parameter int unsigned Cols = 4,
  parameter int unsigned AccRows = 2048,
  parameter int unsigned Banks = 2,
  parameter int unsigned OutputStationary = 0,  // array.dataflow: 0 weight-, 1 output-stationary array
  localparam int unsigned BankBits = (Banks > 1) ? $clog2(Banks) : 1,
  localparam int unsigned AccIdxBits = (AccRows / Banks > 1) ? $clog2(AccRows / Banks) : 1,
  localparam int unsigned AccWidth = Cols * 32
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  // instructions from the compute queue (gemm and vec)
  input  logic                       insn_valid_i,
  input  logic [systole_pkg::InsnBits-1:0] insn_i,
  output logic                       insn_ready_o,
  output logic                       done_o,
  // input scratchpad: one row read per cycle, data in the next cycle
  output logic                       inp_rd_en_o,
  output logic [23:0]                inp_rd_row_o,
  input  logic [Rows*8-1:0]          inp_rd_data_i,
  // weight buffer: one row read per cycle, data in the next cycle
  output logic                       wgt_rd_en_o,
  output logic [23:0]                wgt_rd_row_o,
  input  logic [Cols*8-1:0]          wgt_rd_data_i,
  // accumulator: one read port per bank (row r is word r / Banks of bank r % Banks), data in the next cycle
  output logic [Banks-1:0]           acc_rd_en_o,
  output logic [Banks*AccIdxBits-1:0] acc_rd_idx_o,
  input  logic [Banks*AccWidth-1:0]  acc_rd_data_i,
  // accumulator: one row written per cycle
  output logic                       acc_wr_en_o,
  output logic [23:0]                acc_wr_row_o,
  output logic [AccWidth-1:0]        acc_wr_data_o
);


  localparam int unsigned Fill = Rows + Cols - 1;  // the array's latency

  // Only the low bits of a row pick its bank.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [BankBits-1:0] bank_of(logic [23:0] row);
    bank_of = (Banks > 1) ? row[BankBits-1:0] : '0;
  endfunction
  function automatic logic [AccIdxBits-1:0] idx_of(logic [23:0] row);
    idx_of = (Banks > 1) ? AccIdxBits'(row >> BankBits) : AccIdxBits'(row);
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  typedef enum logic [1:0] {StIdle, StGemm, StVec} state_e;
  state_e state_q, state_d;

  // The instruction: from the queue in its first cycle, then from the register.
  logic [systole_pkg::InsnBits-1:0] insn_q;
  logic                accept;
  logic [systole_pkg::InsnBits-1:0] insn;
  // Views of the instruction; the token flags and reserved bits belong to the unit's sequencer, not here.
  /* verilator lint_off UNUSEDSIGNAL */
  systole_pkg::gemm_insn_t          g;
  systole_pkg::vec_insn_t           v;
  /* verilator lint_on UNUSEDSIGNAL */
  logic                is_gemm, is_vec;

  assign insn_ready_o = (state_q == StIdle);
  assign accept       = insn_valid_i && insn_ready_o;
  assign insn         = accept ? insn_i : insn_q;
  assign g            = insn;
  assign v            = insn;
  assign is_gemm      = insn[3:0] == systole_pkg::OpcodeGemm;
  assign is_vec       = insn[3:0] == systole_pkg::OpcodeVec;

  logic [31:0] n;  // rows of the instruction
  assign n = is_gemm ? 32'(g.outer) * 32'(g.inner) : 32'(v.outer) * 32'(v.inner);

  // ---------------------------------------------------------------------------------------------------------------
  // gemm
  logic [31:0] cyc_q;  // cycles since the gemm was taken
  logic [31:0] cyc;
  assign cyc = accept ? 32'd0 : cyc_q;
  logic gemm_on;
  assign gemm_on = (accept && is_gemm) || state_q == StGemm;

  // What the dataflow's schedule drives each cycle: the weight and input reads, the walks' steps, and the output row
  // to write back next cycle (acc_step, at the acc walk's row; its accumulator row is read now when accumulating).
  logic        wgt_read, inp_read, inp_step, acc_step, acc_write, gemm_done;
  logic [23:0] wgt_row, inp_rd_row;
  logic [23:0] inp_row, acc_row;
  logic [23:0] gemm_wr_row_q;
  logic        gemm_wr_q;
  logic [Cols*32-1:0] out_row;
  assign acc_write = gemm_wr_q;

  // The schedules count rows themselves: the walks' last_o outputs are not needed.
  /* verilator lint_off PINCONNECTEMPTY */
  row_walk #(.RowBits(24)) u_inp_walk (
    .clk_i, .rst_ni,
    .start_i(accept && is_gemm), .base_i(g.inp_addr), .stride_outer_i(g.inp_stride_outer),
    .stride_inner_i(g.inp_stride_inner), .outer_i(g.outer), .inner_i(g.inner),
    .step_i(inp_step), .row_o(inp_row), .last_o()
  );
  row_walk #(.RowBits(24)) u_acc_walk (
    .clk_i, .rst_ni,
    .start_i(accept && is_gemm), .base_i(g.acc_addr), .stride_outer_i(g.acc_stride_outer),
    .stride_inner_i(g.acc_stride_inner), .outer_i(g.outer), .inner_i(g.inner),
    .step_i(acc_step), .row_o(acc_row), .last_o()
  );
  /* verilator lint_on PINCONNECTEMPTY */

  if (OutputStationary == 0) begin : g_ws
    logic wgt_push_q, inp_push_q;
    always_comb begin
      wgt_read   = gemm_on && cyc < 32'(Rows);
      wgt_row    = g.wgt_addr + 24'(Rows - 1) - cyc[23:0];
      inp_read   = gemm_on && cyc >= 32'(Rows) && cyc < 32'(Rows) + n;
      inp_step   = inp_read;
      inp_rd_row = inp_row;
      acc_step   = gemm_on && cyc >= 32'(Rows + Fill) && cyc < 32'(Rows + Fill) + n;
      gemm_done  = gemm_on && cyc == 32'(2 * Rows + Cols) + n - 32'd1;
    end
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        wgt_push_q <= 1'b0;
        inp_push_q <= 1'b0;
      end else begin
        wgt_push_q <= wgt_read;
        inp_push_q <= inp_read;
      end
    end
    // The schedule knows the cycle each row leaves the array (gemm_wr_q); out_valid is what the array unit bench
    // checks that against.
    /* verilator lint_off UNUSEDSIGNAL */
    logic out_valid;
    /* verilator lint_on UNUSEDSIGNAL */
    systolic_array #(.Rows(Rows), .Cols(Cols)) u_array (
      .clk_i, .rst_ni,
      .wgt_valid_i(wgt_push_q), .wgt_row_i(wgt_rd_data_i),
      .inp_valid_i(inp_push_q), .inp_row_i(inp_rd_data_i),
      .out_valid_o(out_valid), .out_row_o(out_row)
    );
  end else begin : g_os
    // The array returns a block's rows last loaded first, so each block is loaded in reverse: the input walk runs
    // one block ahead and its rows wait in a buffer of two blocks (block b in half b % 2), read back last first.
    localparam int unsigned SlotBits = $clog2(2 * Rows);
    localparam int unsigned KBits = (Rows > 1) ? $clog2(Rows) : 1;
    localparam logic [KBits-1:0] LastK = KBits'(Rows - 1);
    logic [KBits-1:0]    rec_k, rec_k_q;    // input walk: step k of its block, and the half it writes
    logic                rec_half, rec_half_q;
    logic [KBits-1:0]    str_k_q;           // stream (from cycle R): step k of block str_base_q / R
    logic [32:0]         str_base_q;
    logic                str_half_q;
    logic                str_on, str_valid;
    logic [SlotBits-1:0] rec_slot, str_slot;
    logic [KBits-1:0]    str_row;                // the block row this step loads: R-1-k
    logic                rd_on_q, rd_valid_q, rd_real_q;  // stage 1: a stream step, its row valid, not the drain
    logic [KBits-1:0]    rd_k_q;
    logic [Rows-1:0]     load_q;                 // stage 2: the array row loaded this cycle

    assign rec_k    = accept ? '0 : rec_k_q;
    assign rec_half = accept ? 1'b0 : rec_half_q;
    always_comb begin
      inp_step  = gemm_on && cyc < n;
      rec_slot  = SlotBits'(rec_k) + (rec_half ? SlotBits'(Rows) : '0);
      // Blocks 0 .. B-1 carry rows, block B (the first with base >= n) only loads, to drain block B-1.
      str_on    = gemm_on && cyc >= 32'(Rows) && str_base_q < 33'(n) + 33'(Rows);
      str_row   = LastK - str_k_q;
      str_valid = str_on && str_base_q + 33'(str_row) < 33'(n);
      str_slot  = SlotBits'(str_row) + (str_half_q ? SlotBits'(Rows) : '0);
      wgt_read   = rd_real_q;
      wgt_row    = g.wgt_addr + 24'(rd_k_q);
      inp_read   = rd_valid_q;
      acc_step   = gemm_on && cyc >= 32'(3 * Rows + Cols) && cyc < 32'(3 * Rows + Cols) + n;
      gemm_done  = gemm_on && cyc == 32'(3 * Rows + Cols) + n;
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        rec_k_q    <= '0;
        rec_half_q <= 1'b0;
        str_k_q    <= '0;
        str_base_q <= '0;
        str_half_q <= 1'b0;
        rd_on_q    <= 1'b0;
        rd_valid_q <= 1'b0;
        rd_real_q  <= 1'b0;
        rd_k_q     <= '0;
        load_q     <= '0;
      end else begin
        if (inp_step) begin
          rec_k_q    <= (rec_k == LastK) ? '0 : rec_k + 1'b1;
          rec_half_q <= (rec_k == LastK) ? !rec_half : rec_half;
        end else if (accept) begin
          rec_k_q    <= '0;
          rec_half_q <= 1'b0;
        end
        if (accept) begin
          str_k_q    <= '0;
          str_base_q <= '0;
          str_half_q <= 1'b0;
        end else if (str_on) begin
          str_k_q    <= (str_k_q == LastK) ? '0 : str_k_q + 1'b1;
          str_base_q <= (str_k_q == LastK) ? str_base_q + 33'(Rows) : str_base_q;
          str_half_q <= (str_k_q == LastK) ? !str_half_q : str_half_q;
        end
        rd_on_q    <= str_on;
        rd_valid_q <= str_valid;
        rd_real_q  <= str_on && str_base_q < 33'(n);
        rd_k_q     <= str_k_q;
        load_q     <= '0;
        if (rd_on_q) load_q[rd_k_q] <= 1'b1;
      end
    end

    // Input rows of two blocks (distributed RAM on an FPGA): written in walk order, read back last first.
    sram_1r1w #(.Width(24), .Depth(2 * Rows)) u_inp_rows (
      .clk_i,
      .wr_en_i(inp_step), .wr_addr_i(rec_slot), .wr_data_i(inp_row),
      .rd_en_i(str_valid), .rd_addr_i(str_slot), .rd_data_o(inp_rd_row)
    );

    systolic_array_os #(.Rows(Rows), .Cols(Cols)) u_array (
      .clk_i,
      .wgt_row_i(wgt_rd_data_i),
      .inp_load_i(load_q), .inp_row_i(inp_rd_data_i),
      .out_row_o(out_row)
    );
  end

  // ---------------------------------------------------------------------------------------------------------------
  // vec
  logic vec_on;
  assign vec_on = (accept && is_vec) || state_q == StVec;

  logic        reads_dst, reads_src, is_requant;
  // What each op reads is isa.toml's (reads_dst, src_rows); requant's parameter rows are read and latched apart.
  assign is_requant = v.op == systole_pkg::VecOpRequant;
  assign reads_dst  = systole_pkg::VecReadsDst[v.op];
  assign reads_src  = systole_pkg::VecReadsSrc[v.op] && !is_requant;

  logic        rd_active_q;  // elements remain to be read
  logic        rd_active;
  logic        fresh_q;      // the current element has issued no read yet
  // Operands an element may read: dst, then src or the requant parameter rows (scale, zero point).
  localparam int unsigned VecOperands = 1 + systole_pkg::RequantParamRows;
  logic [VecOperands-1:0] need_q;  // its operands still to read
  logic        latch_valid_q;
  logic [23:0] latch_src_q;
  logic [23:0] dst_row, src_row;
  logic        dst_last;
  logic        elem_done;    // the current element's last read goes out this cycle

  row_walk #(.RowBits(24)) u_dst_walk (
    .clk_i, .rst_ni,
    .start_i(accept && is_vec), .base_i(v.dst_addr), .stride_outer_i(v.dst_stride_outer),
    .stride_inner_i(v.dst_stride_inner), .outer_i(v.outer), .inner_i(v.inner),
    .step_i(elem_done), .row_o(dst_row), .last_o(dst_last)
  );
  // The source walk ends with the destination walk.
  /* verilator lint_off PINCONNECTEMPTY */
  row_walk #(.RowBits(24)) u_src_walk (
    .clk_i, .rst_ni,
    .start_i(accept && is_vec), .base_i(v.src_addr), .stride_outer_i(v.src_stride_outer),
    .stride_inner_i(v.src_stride_inner), .outer_i(v.outer), .inner_i(v.inner),
    .step_i(elem_done), .row_o(src_row), .last_o()
  );
  /* verilator lint_on PINCONNECTEMPTY */

  // The element being written this cycle (its reads finished last cycle), and the previous cycle's write.
  logic                wr_pending_q, wr_last_q;
  logic [23:0]         wr_row_q;
  logic                last_wr_valid_q;
  logic [23:0]         last_wr_row_q;
  logic [AccWidth-1:0] last_wr_data_q;
  logic                latch_hit;

  logic [23:0]            op_row [VecOperands];
  logic [VecOperands-1:0] need, issue;
  logic                params, params_q;  // the current element reads the requant parameter rows
  logic [Banks-1:0]    taken;

  assign rd_active = accept ? (is_vec && n != 0) : rd_active_q;

  always_comb begin
    // The latched parameter rows are valid unless this cycle's write hits them; an instruction's first element
    // always reads its own.
    latch_hit = !accept && latch_valid_q && latch_src_q == src_row &&
                !(wr_pending_q && (wr_row_q - latch_src_q) < 24'(systole_pkg::RequantParamRows));
    op_row[0] = dst_row;
    op_row[1] = src_row;
    op_row[2] = src_row + 24'd1;
    if (fresh_q || accept) begin
      need = {is_requant && !latch_hit, reads_src || (is_requant && !latch_hit), reads_dst};
      params = is_requant && !latch_hit;
    end else begin
      need   = need_q;
      params = params_q;
    end
    if (!rd_active) need = '0;
    issue = '0;
    taken = '0;
    for (int unsigned k = 0; k < VecOperands; k++) begin
      if (need[k] && !taken[bank_of(op_row[k])]) begin
        issue[k] = 1'b1;
        taken[bank_of(op_row[k])] = 1'b1;
      end
    end
    elem_done = rd_active && (need & ~issue) == '0;
  end

  // Reads issued last cycle arrive now: which operand, from which bank, for which row.
  logic [VecOperands-1:0] cap_q;
  logic [BankBits-1:0]    cap_bank_q [VecOperands];
  logic [23:0]            cap_row_q [VecOperands];
  logic [AccWidth-1:0]    opreg_q [VecOperands];
  logic [AccWidth-1:0]    val [VecOperands];

  always_comb begin
    for (int unsigned k = 0; k < VecOperands; k++) begin
      val[k] = opreg_q[k];
      if (cap_q[k]) begin
        if (last_wr_valid_q && last_wr_row_q == cap_row_q[k]) begin
          val[k] = last_wr_data_q;
        end else begin
          val[k] = acc_rd_data_i[AccWidth*cap_bank_q[k] +: AccWidth];
        end
      end
    end
  end

  // The vector unit's lanes.
  logic [AccWidth-1:0] vec_result;
  for (genvar c = 0; c < Cols; c++) begin : g_lane
    logic signed [31:0] d, s, requantized, quantized;
    logic        [31:0] quotient;
    assign d = val[0][32*c +: 32];
    assign s = val[1][32*c +: 32];
    requant u_requant (
      .acc_i(d), .scale_i(s), .zero_point_i(val[2][32*c +: 32]),
      .lo_i(v_imm_a), .hi_i(v_imm_b), .out_o(requantized)
    );
    // The f ops (sim/isa/fp32.hpp), on one divider, one multiplier, one adder and the two conversions per lane:
    //   fmac    d + float(s - imm_a) * imm_b     from_int -> mul -> add
    //   fdiv    d / imm_b                        div
    //   fquant  int(d / imm_b + float(imm_a))    div -> add (from_int of imm_a) -> to_int
    logic [31:0] conv_in, conv_out, product, add_a, add_b, add_out;
    logic signed [31:0] centered;
    assign centered = s - v_imm_a;
    assign conv_in  = (vec_op_q == systole_pkg::VecOpFmac) ? centered : v_imm_a;
    fp32_from_int u_from_int (.value_i(conv_in), .result_o(conv_out));
    fp32_mul u_mul (.a_i(conv_out), .b_i(v_imm_b), .product_o(product));
    fp32_div u_div (.a_i(d), .b_i(v_imm_b), .quotient_o(quotient));
    assign add_a = (vec_op_q == systole_pkg::VecOpFmac) ? d : quotient;
    assign add_b = (vec_op_q == systole_pkg::VecOpFmac) ? product : conv_out;
    fp32_add u_add (.a_i(add_a), .b_i(add_b), .sum_o(add_out));
    fp32_to_int u_to_int (.value_i(add_out), .result_o(quantized));
    always_comb begin
      unique case (vec_op_q)
        systole_pkg::VecOpCopy:    vec_result[32*c +: 32] = s;
        systole_pkg::VecOpAdd:     vec_result[32*c +: 32] = d + s;
        systole_pkg::VecOpMax:     vec_result[32*c +: 32] = (d > s) ? d : s;
        systole_pkg::VecOpAddi:    vec_result[32*c +: 32] = d + v_imm_a;
        systole_pkg::VecOpClip:    vec_result[32*c +: 32] = (d < v_imm_a) ? v_imm_a : ((d > v_imm_b) ? v_imm_b : d);
        systole_pkg::VecOpRequant: vec_result[32*c +: 32] = requantized;
        systole_pkg::VecOpFmac:    vec_result[32*c +: 32] = add_out;
        systole_pkg::VecOpFdiv:    vec_result[32*c +: 32] = quotient;
        systole_pkg::VecOpFquant:  vec_result[32*c +: 32] = quantized;
        default:      vec_result[32*c +: 32] = d;
      endcase
    end
  end
  // The op and immediates of the element being written (the instruction register; writes never happen in the
  // cycle an instruction is taken).
  systole_pkg::vec_op_e            vec_op_q;
  logic signed [31:0] v_imm_a, v_imm_b;
  /* verilator lint_off UNUSEDSIGNAL */
  systole_pkg::vec_insn_t          vq;
  /* verilator lint_on UNUSEDSIGNAL */
  assign vq       = insn_q;
  assign vec_op_q = vq.op;
  assign v_imm_a  = vq.imm_a;
  assign v_imm_b  = vq.imm_b;

  // ---------------------------------------------------------------------------------------------------------------
  // Memory ports.
  logic [AccWidth-1:0] gemm_old;
  /* verilator lint_off UNUSEDSIGNAL */
  systole_pkg::gemm_insn_t          gq;
  /* verilator lint_on UNUSEDSIGNAL */
  assign gq = insn_q;
  always_comb begin
    wgt_rd_en_o  = wgt_read;
    wgt_rd_row_o = wgt_row;
    inp_rd_en_o  = inp_read;
    inp_rd_row_o = inp_rd_row;

    acc_rd_en_o  = '0;
    acc_rd_idx_o = '0;
    if (acc_step && g.accumulate[0]) begin
      acc_rd_en_o[bank_of(acc_row)] = 1'b1;
      acc_rd_idx_o[AccIdxBits*bank_of(acc_row) +: AccIdxBits] = idx_of(acc_row);
    end
    for (int unsigned k = 0; k < VecOperands; k++) begin
      if (issue[k]) begin
        acc_rd_en_o[bank_of(op_row[k])] = 1'b1;
        acc_rd_idx_o[AccIdxBits*bank_of(op_row[k]) +: AccIdxBits] = idx_of(op_row[k]);
      end
    end

    // gemm write-back: the array's row plus the old value when accumulating (forwarded from last cycle's write).
    gemm_old = '0;
    if (gq.accumulate[0]) begin
      gemm_old = (last_wr_valid_q && last_wr_row_q == gemm_wr_row_q) ? last_wr_data_q
                                                                      : acc_rd_data_i[AccWidth*bank_of(gemm_wr_row_q) +: AccWidth];
    end
    acc_wr_en_o   = 1'b0;
    acc_wr_row_o  = '0;
    acc_wr_data_o = '0;
    if (acc_write) begin
      acc_wr_en_o  = 1'b1;
      acc_wr_row_o = gemm_wr_row_q;
      for (int unsigned c = 0; c < Cols; c++) begin
        acc_wr_data_o[32*c +: 32] = gemm_old[32*c +: 32] + out_row[32*c +: 32];
      end
    end else if (wr_pending_q) begin
      acc_wr_en_o   = 1'b1;
      acc_wr_row_o  = wr_row_q;
      acc_wr_data_o = vec_result;
    end
  end

  // ---------------------------------------------------------------------------------------------------------------
  // Control.
  logic vec_done;
  assign vec_done  = (vec_on && n == 0) || (state_q == StVec && wr_pending_q && wr_last_q);
  assign done_o    = gemm_done || vec_done;

  always_comb begin
    state_d = state_q;
    if (accept) state_d = is_gemm ? StGemm : StVec;
    if (done_o) state_d = StIdle;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q         <= StIdle;
      insn_q          <= '0;
      cyc_q           <= '0;
      gemm_wr_q       <= 1'b0;
      gemm_wr_row_q   <= '0;
      rd_active_q     <= 1'b0;
      fresh_q         <= 1'b1;
      need_q          <= '0;
      params_q        <= 1'b0;
      latch_valid_q   <= 1'b0;
      latch_src_q     <= '0;
      wr_pending_q    <= 1'b0;
      wr_last_q       <= 1'b0;
      wr_row_q        <= '0;
      last_wr_valid_q <= 1'b0;
      last_wr_row_q   <= '0;
      last_wr_data_q  <= '0;
      cap_q           <= '0;
      for (int unsigned k = 0; k < VecOperands; k++) begin
        cap_bank_q[k] <= '0;
        cap_row_q[k]  <= '0;
        opreg_q[k]    <= '0;
      end
    end else begin
      state_q <= state_d;
      if (accept) insn_q <= insn_i;
      cyc_q      <= cyc + 32'd1;
      gemm_wr_q     <= acc_step;
      gemm_wr_row_q <= acc_row;

      // vec read stage
      rd_active_q <= rd_active && !(elem_done && dst_last);
      if (accept) latch_valid_q <= 1'b0;
      fresh_q <= elem_done || !rd_active;
      need_q  <= need & ~issue;
      params_q <= params;
      if (elem_done && params) begin
        latch_valid_q <= 1'b1;
        latch_src_q   <= src_row;
      end
      if (wr_pending_q && (wr_row_q - latch_src_q) < 24'(systole_pkg::RequantParamRows) && !(elem_done && params)) begin
        latch_valid_q <= 1'b0;
      end
      cap_q <= issue;
      for (int unsigned k = 0; k < VecOperands; k++) begin
        if (issue[k]) begin
          cap_bank_q[k] <= bank_of(op_row[k]);
          cap_row_q[k]  <= op_row[k];
        end
        if (cap_q[k]) opreg_q[k] <= val[k];
      end
      wr_pending_q <= elem_done;
      wr_last_q    <= elem_done && dst_last;
      if (elem_done) wr_row_q <= dst_row;

      last_wr_valid_q <= acc_wr_en_o;
      last_wr_row_q   <= acc_wr_row_o;
      last_wr_data_q  <= acc_wr_data_o;
    end
  end

endmodule
