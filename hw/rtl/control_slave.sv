// AXI4-Lite control slave in the Vitis `ap_ctrl_hs` layout (hw/spec/regmap.toml; offsets from systole_pkg).
//
// Registers (32-bit words; a 64-bit register is two words, low word at its offset, high word at offset + 4):
//   ctrl  bit 0 ap_start      W1S: writing 1 sets it, writing 0 does nothing. Clears when the core accepts the run
//                             (ready_i), or stays set there when auto_restart is 1. A write of 1 in the cycle of a
//                             ready_i wins: the new start is kept and signalled next.
//         bit 1 ap_done       set by done_i, cleared by a read of ctrl (COR). done_i wins over a read in the same
//                             cycle: that read returns the old value and the bit stays set, so no completion is lost.
//         bit 2 ap_idle       idle_i, sampled in the cycle the read address is accepted.
//         bit 3 ap_ready      set by ready_i, cleared by a read of ctrl (COR), like ap_done (as current Vitis HLS
//                             cores do: a one-cycle ready_i could not be seen live over the bus).
//         bit 7 auto_restart  read/write.
//   gie   bit 0 global interrupt enable.
//   ier   bit 0 done, bit 1 ready: interrupt enables.
//   isr   bit 0 done, bit 1 ready: set by done_i / ready_i when enabled in ier; a write toggles the bits written as 1
//         (TOW). An event wins over a toggle in the same cycle.
//   insn_addr, insn_count, const_addr, const_size, act_addr, act_size: read/write kernel arguments, byte strobes
//         honoured, driven on the *_o ports.
//   status, error_pc, fingerprint, cycles: read-only; writes are ignored. cycles_i is not snapshotted: read it once
//         the core is done (the core holds it then), else the two words may come from different cycles.
// Other ctrl/gie/ier/isr bits read 0 and ignore writes. Writes to ctrl, gie, ier, isr act only when byte 0 is
// strobed (every defined bit is in byte 0).
// Unmapped words (the one after insn_count, those after cycles) read 0 and ignore writes; both respond OKAY, as
// Vitis HLS control slaves do, so a driver probing the aperture never sees SLVERR. The low two address bits select
// a byte lane within the word and are ignored by the decoder (AXI: byte lanes are fixed by wstrb, not the address).
//
// Core side: start_o is a one-cycle pulse when the core should start: the first cycle ap_start is set and this run
// has not been signalled yet. The next pulse comes only after ready_i (so writing ap_start again during a run does
// nothing), or right after ready_i when auto_restart is set. ready_i (the run is accepted: the arguments may change)
// and done_i (the run finished) are one-cycle pulses from the core; a core that runs one program at a time pulses
// both at the end of the run.
// The argument outputs change only on a bus write; the host writes them before setting ap_start.
//
// Bus timing: no combinational path from any input to any output; every ready and valid comes from a register.
// AW and W are accepted independently, in either order or together, each into a one-entry holding register
// (awready = no address held, wready = no data held). The write happens in the first cycle both are held and the
// B channel is free (bvalid low, or accepted in that same cycle); bvalid rises the cycle after. Reads: arready = no
// read data pending; rdata/rvalid are registered the cycle after the AR handshake and held, unchanged, until rready.
// Back to back, each channel pair takes a transfer every two cycles (plenty for a control port).
//
// Ports: the AXI ports carry the Vitis names (s_axi_control_*) so the kernel top can connect them one to one; the
// project's _i/_o suffixes would have to be stripped there. Everything else follows the project conventions.
module control_slave #(
  // Arch fingerprint of the configuration the hardware is built for (the read-only fingerprint register).
  parameter  logic [63:0] Fingerprint = 64'h0,
  // The decoded address width is the width of the package's offsets (regmap.toml addr_bits).
  localparam int unsigned AddrBits    = $bits(systole_pkg::RegCtrl),
  localparam int unsigned DataBits    = 32
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  // AXI4-Lite slave: write address, write data, write response
  input  logic                  s_axi_control_awvalid,
  output logic                  s_axi_control_awready,
  input  logic [AddrBits-1:0]   s_axi_control_awaddr,
  input  logic                  s_axi_control_wvalid,
  output logic                  s_axi_control_wready,
  input  logic [DataBits-1:0]   s_axi_control_wdata,
  input  logic [DataBits/8-1:0] s_axi_control_wstrb,
  output logic                  s_axi_control_bvalid,
  input  logic                  s_axi_control_bready,
  output logic [1:0]            s_axi_control_bresp,
  // AXI4-Lite slave: read address, read data
  input  logic                  s_axi_control_arvalid,
  output logic                  s_axi_control_arready,
  input  logic [AddrBits-1:0]   s_axi_control_araddr,
  output logic                  s_axi_control_rvalid,
  input  logic                  s_axi_control_rready,
  output logic [DataBits-1:0]   s_axi_control_rdata,
  output logic [1:0]            s_axi_control_rresp,
  output logic                  interrupt_o,
  // core control
  output logic                  start_o,
  input  logic                  ready_i,
  input  logic                  done_i,
  input  logic                  idle_i,
  // kernel arguments
  output logic [63:0]           insn_addr_o,
  output logic [31:0]           insn_count_o,
  output logic [63:0]           const_addr_o,
  output logic [63:0]           const_size_o,
  output logic [63:0]           act_addr_o,
  output logic [63:0]           act_size_o,
  // read-only status from the core
  // status_i carries a systole_pkg::error_code_e value; the port is plain logic because Yosys 0.23 rejects
  // package-typed ports.
  input  logic [31:0]           status_i,
  input  logic [31:0]           error_pc_i,
  input  logic [63:0]           cycles_i
);

  localparam logic [1:0] RespOkay = 2'b00;

  // Word index of a byte address (the decoder ignores the byte-lane bits).
  localparam int unsigned WordBits = AddrBits - 2;
  typedef logic [WordBits-1:0] word_t;
  // (Functions here assign their name instead of using `return`: Yosys 0.23 does not parse `return`.)
  function automatic logic [WordBits-1:0] word_of(logic [AddrBits-1:0] addr);
    word_of = WordBits'(addr >> 2);
  endfunction
  localparam logic [AddrBits-1:0] HiOffset = AddrBits'(4);

  localparam word_t WordCtrl           = word_of(systole_pkg::RegCtrl);
  localparam word_t WordGie            = word_of(systole_pkg::RegGie);
  localparam word_t WordIer            = word_of(systole_pkg::RegIer);
  localparam word_t WordIsr            = word_of(systole_pkg::RegIsr);
  localparam word_t WordInsnAddrLo     = word_of(systole_pkg::RegInsnAddr);
  localparam word_t WordInsnAddrHi     = word_of(systole_pkg::RegInsnAddr + HiOffset);
  localparam word_t WordInsnCount      = word_of(systole_pkg::RegInsnCount);
  localparam word_t WordConstAddrLo    = word_of(systole_pkg::RegConstAddr);
  localparam word_t WordConstAddrHi    = word_of(systole_pkg::RegConstAddr + HiOffset);
  localparam word_t WordConstSizeLo    = word_of(systole_pkg::RegConstSize);
  localparam word_t WordConstSizeHi    = word_of(systole_pkg::RegConstSize + HiOffset);
  localparam word_t WordActAddrLo      = word_of(systole_pkg::RegActAddr);
  localparam word_t WordActAddrHi      = word_of(systole_pkg::RegActAddr + HiOffset);
  localparam word_t WordActSizeLo      = word_of(systole_pkg::RegActSize);
  localparam word_t WordActSizeHi      = word_of(systole_pkg::RegActSize + HiOffset);
  localparam word_t WordStatus         = word_of(systole_pkg::RegStatus);
  localparam word_t WordErrorPc        = word_of(systole_pkg::RegErrorPc);
  localparam word_t WordFingerprintLo  = word_of(systole_pkg::RegFingerprint);
  localparam word_t WordFingerprintHi  = word_of(systole_pkg::RegFingerprint + HiOffset);
  localparam word_t WordCyclesLo       = word_of(systole_pkg::RegCycles);
  localparam word_t WordCyclesHi       = word_of(systole_pkg::RegCycles + HiOffset);

  // `old` with the bytes selected by `strb` replaced by those of `data`.
  function automatic logic [31:0] strobe(logic [31:0] old, logic [31:0] data, logic [3:0] strb);
    for (int b = 0; b < 4; b++) begin
      strobe[8*b +: 8] = strb[b] ? data[8*b +: 8] : old[8*b +: 8];
    end
  endfunction

  // ---- AXI write: independent AW and W holding registers, one B response register ----
  logic        aw_full_q, aw_full_d;
  word_t       aw_word_q, aw_word_d;
  logic        w_full_q, w_full_d;
  logic [31:0] wdata_q, wdata_d;
  logic [3:0]  wstrb_q, wstrb_d;
  logic        bvalid_q, bvalid_d;
  logic        wr_en;  // the held write is performed this cycle

  assign s_axi_control_awready = !aw_full_q;
  assign s_axi_control_wready  = !w_full_q;
  assign s_axi_control_bvalid  = bvalid_q;
  assign s_axi_control_bresp   = RespOkay;

  assign wr_en = aw_full_q && w_full_q && (!bvalid_q || s_axi_control_bready);

  always_comb begin
    aw_full_d = aw_full_q;
    aw_word_d = aw_word_q;
    w_full_d  = w_full_q;
    wdata_d   = wdata_q;
    wstrb_d   = wstrb_q;
    bvalid_d  = bvalid_q;
    if (s_axi_control_bready) begin
      bvalid_d = 1'b0;
    end
    if (wr_en) begin
      aw_full_d = 1'b0;
      w_full_d  = 1'b0;
      bvalid_d  = 1'b1;
    end
    if (s_axi_control_awvalid && s_axi_control_awready) begin
      aw_full_d = 1'b1;
      aw_word_d = word_of(s_axi_control_awaddr);
    end
    if (s_axi_control_wvalid && s_axi_control_wready) begin
      w_full_d = 1'b1;
      wdata_d  = s_axi_control_wdata;
      wstrb_d  = s_axi_control_wstrb;
    end
  end

  // ---- AXI read: one read data register ----
  logic        rvalid_q, rvalid_d;
  logic [31:0] rdata_q, rdata_d;
  logic        rd_en;  // the read address is accepted this cycle
  word_t       ar_word;

  assign s_axi_control_arready = !rvalid_q;
  assign s_axi_control_rvalid  = rvalid_q;
  assign s_axi_control_rdata   = rdata_q;
  assign s_axi_control_rresp   = RespOkay;

  assign rd_en   = s_axi_control_arvalid && s_axi_control_arready;
  assign ar_word = word_of(s_axi_control_araddr);

  // ---- Registers ----
  logic        ap_start_q, ap_start_d;
  logic        started_q, started_d;  // start_o was pulsed for the current ap_start, ready_i not yet seen
  logic        ap_done_q, ap_done_d;
  logic        ap_ready_q, ap_ready_d;
  logic        auto_restart_q, auto_restart_d;
  logic        gie_q, gie_d;
  logic [1:0]  ier_q, ier_d;
  logic [1:0]  isr_q, isr_d;
  logic [63:0] insn_addr_q, insn_addr_d;
  logic [31:0] insn_count_q, insn_count_d;
  logic [63:0] const_addr_q, const_addr_d;
  logic [63:0] const_size_q, const_size_d;
  logic [63:0] act_addr_q, act_addr_d;
  logic [63:0] act_size_q, act_size_d;

  logic ctrl_read;   // ctrl is read this cycle (clear-on-read)
  logic byte0_wr;    // the write of this cycle strobes byte 0, where every ctrl/gie/ier/isr bit lives

  assign ctrl_read = rd_en && ar_word == WordCtrl;
  assign byte0_wr  = wr_en && wstrb_q[0];
  assign start_o   = ap_start_q && !started_q;

  // ap_ctrl_hs block and interrupts.
  always_comb begin
    ap_start_d     = ap_start_q;
    started_d      = started_q;
    ap_done_d      = ap_done_q;
    ap_ready_d     = ap_ready_q;
    auto_restart_d = auto_restart_q;
    gie_d          = gie_q;
    ier_d          = ier_q;
    isr_d          = isr_q;

    if (start_o) begin
      started_d = 1'b1;
    end
    if (ready_i) begin
      started_d  = 1'b0;
      ap_start_d = auto_restart_q;
    end
    if (byte0_wr) begin
      unique case (aw_word_q)
        WordCtrl: begin
          if (wdata_q[systole_pkg::CtrlApStartBit]) ap_start_d = 1'b1;  // W1S; wins over a ready_i in the same cycle
          auto_restart_d = wdata_q[systole_pkg::CtrlAutoRestartBit];
        end
        WordGie: gie_d = wdata_q[0];
        WordIer: ier_d = wdata_q[1:0];
        WordIsr: isr_d = isr_q ^ wdata_q[1:0];
        default: ;
      endcase
    end

    if (ctrl_read) begin
      ap_done_d  = 1'b0;
      ap_ready_d = 1'b0;
    end
    if (done_i) begin
      ap_done_d = 1'b1;
    end
    if (ready_i) begin
      ap_ready_d = 1'b1;
    end
    if (done_i && ier_q[0]) begin
      isr_d[0] = 1'b1;
    end
    if (ready_i && ier_q[1]) begin
      isr_d[1] = 1'b1;
    end
  end

  assign interrupt_o = gie_q && (isr_q != '0);

  // Kernel arguments.
  always_comb begin
    insn_addr_d  = insn_addr_q;
    insn_count_d = insn_count_q;
    const_addr_d = const_addr_q;
    const_size_d = const_size_q;
    act_addr_d   = act_addr_q;
    act_size_d   = act_size_q;
    if (wr_en) begin
      unique case (aw_word_q)
        WordInsnAddrLo:  insn_addr_d[31:0]   = strobe(insn_addr_q[31:0], wdata_q, wstrb_q);
        WordInsnAddrHi:  insn_addr_d[63:32]  = strobe(insn_addr_q[63:32], wdata_q, wstrb_q);
        WordInsnCount:   insn_count_d        = strobe(insn_count_q, wdata_q, wstrb_q);
        WordConstAddrLo: const_addr_d[31:0]  = strobe(const_addr_q[31:0], wdata_q, wstrb_q);
        WordConstAddrHi: const_addr_d[63:32] = strobe(const_addr_q[63:32], wdata_q, wstrb_q);
        WordConstSizeLo: const_size_d[31:0]  = strobe(const_size_q[31:0], wdata_q, wstrb_q);
        WordConstSizeHi: const_size_d[63:32] = strobe(const_size_q[63:32], wdata_q, wstrb_q);
        WordActAddrLo:   act_addr_d[31:0]    = strobe(act_addr_q[31:0], wdata_q, wstrb_q);
        WordActAddrHi:   act_addr_d[63:32]   = strobe(act_addr_q[63:32], wdata_q, wstrb_q);
        WordActSizeLo:   act_size_d[31:0]    = strobe(act_size_q[31:0], wdata_q, wstrb_q);
        WordActSizeHi:   act_size_d[63:32]   = strobe(act_size_q[63:32], wdata_q, wstrb_q);
        default: ;  // read-only, ap_ctrl_hs block (above) or unmapped
      endcase
    end
  end

  assign insn_addr_o  = insn_addr_q;
  assign insn_count_o = insn_count_q;
  assign const_addr_o = const_addr_q;
  assign const_size_o = const_size_q;
  assign act_addr_o   = act_addr_q;
  assign act_size_o   = act_size_q;

  // Read data, captured with the read address and held until rready.
  always_comb begin
    rvalid_d = rvalid_q;
    rdata_d  = rdata_q;
    if (s_axi_control_rready) begin
      rvalid_d = 1'b0;
    end
    if (rd_en) begin
      rvalid_d = 1'b1;
      rdata_d  = '0;
      unique case (ar_word)
        WordCtrl: begin
          rdata_d[systole_pkg::CtrlApStartBit]     = ap_start_q;
          rdata_d[systole_pkg::CtrlApDoneBit]      = ap_done_q;
          rdata_d[systole_pkg::CtrlApIdleBit]      = idle_i;
          rdata_d[systole_pkg::CtrlApReadyBit]     = ap_ready_q;
          rdata_d[systole_pkg::CtrlAutoRestartBit] = auto_restart_q;
        end
        WordGie:           rdata_d[0]   = gie_q;
        WordIer:           rdata_d[1:0] = ier_q;
        WordIsr:           rdata_d[1:0] = isr_q;
        WordInsnAddrLo:    rdata_d = insn_addr_q[31:0];
        WordInsnAddrHi:    rdata_d = insn_addr_q[63:32];
        WordInsnCount:     rdata_d = insn_count_q;
        WordConstAddrLo:   rdata_d = const_addr_q[31:0];
        WordConstAddrHi:   rdata_d = const_addr_q[63:32];
        WordConstSizeLo:   rdata_d = const_size_q[31:0];
        WordConstSizeHi:   rdata_d = const_size_q[63:32];
        WordActAddrLo:     rdata_d = act_addr_q[31:0];
        WordActAddrHi:     rdata_d = act_addr_q[63:32];
        WordActSizeLo:     rdata_d = act_size_q[31:0];
        WordActSizeHi:     rdata_d = act_size_q[63:32];
        WordStatus:        rdata_d = status_i;
        WordErrorPc:       rdata_d = error_pc_i;
        WordFingerprintLo: rdata_d = Fingerprint[31:0];
        WordFingerprintHi: rdata_d = Fingerprint[63:32];
        WordCyclesLo:      rdata_d = cycles_i[31:0];
        WordCyclesHi:      rdata_d = cycles_i[63:32];
        default: ;  // unmapped: reads 0
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_full_q      <= 1'b0;
      aw_word_q      <= '0;
      w_full_q       <= 1'b0;
      wdata_q        <= '0;
      wstrb_q        <= '0;
      bvalid_q       <= 1'b0;
      rvalid_q       <= 1'b0;
      rdata_q        <= '0;
      ap_start_q     <= 1'b0;
      started_q      <= 1'b0;
      ap_done_q      <= 1'b0;
      ap_ready_q     <= 1'b0;
      auto_restart_q <= 1'b0;
      gie_q          <= 1'b0;
      ier_q          <= '0;
      isr_q          <= '0;
      insn_addr_q    <= '0;
      insn_count_q   <= '0;
      const_addr_q   <= '0;
      const_size_q   <= '0;
      act_addr_q     <= '0;
      act_size_q     <= '0;
    end else begin
      aw_full_q      <= aw_full_d;
      aw_word_q      <= aw_word_d;
      w_full_q       <= w_full_d;
      wdata_q        <= wdata_d;
      wstrb_q        <= wstrb_d;
      bvalid_q       <= bvalid_d;
      rvalid_q       <= rvalid_d;
      rdata_q        <= rdata_d;
      ap_start_q     <= ap_start_d;
      started_q      <= started_d;
      ap_done_q      <= ap_done_d;
      ap_ready_q     <= ap_ready_d;
      auto_restart_q <= auto_restart_d;
      gie_q          <= gie_d;
      ier_q          <= ier_d;
      isr_q          <= isr_d;
      insn_addr_q    <= insn_addr_d;
      insn_count_q   <= insn_count_d;
      const_addr_q   <= const_addr_d;
      const_size_q   <= const_size_d;
      act_addr_q     <= act_addr_d;
      act_size_q     <= act_size_d;
    end
  end

endmodule
