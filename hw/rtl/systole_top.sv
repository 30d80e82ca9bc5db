// The Vitis RTL kernel (hw/vitis): the AXI4-Lite control slave (control_slave, registers of hw/spec/regmap.toml) and
// the accelerator core (systole_core) with its four AXI4 master ports. Port names are Vitis's (ap_clk, ap_rst_n,
// s_axi_control_*, m_axi_<port>_*, interrupt), so the kernel packager infers the interfaces.
//
// A run: the host writes the arguments and sets ap_start; the core starts in the cycle the slave pulses start (the
// segment's cycle 0 is the next one), and when dispatch completes `finish` the slave sees ready and done: ap_done
// and ap_ready rise, and the status, error_pc and cycles registers hold the run's results until the next start.
//
// The masters issue full-width INCR bursts (size = log2 of the data bytes) and never exceed 256 beats or cross
// 4 KiB; they are always ready for read data and write responses. Read and write responses are not checked (a
// platform's memory does not return errors for granted buffers).
module systole_top #(
  parameter  logic [63:0] Fingerprint    = 64'h0,
  parameter  int unsigned Rows           = 4,
  parameter  int unsigned Cols           = 4,
  parameter  int unsigned OutputStationary = 0,  // array.dataflow: 0 weight-, 1 output-stationary
  parameter  int unsigned InpRows        = 4096,
  parameter  int unsigned WgtRows        = 4096,
  parameter  int unsigned AccRows        = 2048,
  parameter  int unsigned Banks          = 2,
  parameter  int unsigned InsnDepth      = 32,
  parameter  int unsigned TokenDepth     = 8,
  parameter  int unsigned BeatBytes      = 16,
  parameter  int unsigned MaxOutstanding = 16,
  parameter  int unsigned BurstBytes     = 512,
  localparam int unsigned AddrBits       = $bits(systole_pkg::RegCtrl),
  localparam int unsigned DataBits       = BeatBytes * 8
) (
  input  logic                  ap_clk,
  input  logic                  ap_rst_n,
  /* verilator lint_off SYMRSVDWORD */
  output logic                  interrupt,  // Vitis's name
  /* verilator lint_on SYMRSVDWORD */
  // s_axi_control
  input  logic                  s_axi_control_awvalid,
  output logic                  s_axi_control_awready,
  input  logic [AddrBits-1:0]   s_axi_control_awaddr,
  input  logic                  s_axi_control_wvalid,
  output logic                  s_axi_control_wready,
  input  logic [31:0]           s_axi_control_wdata,
  input  logic [3:0]            s_axi_control_wstrb,
  output logic                  s_axi_control_bvalid,
  input  logic                  s_axi_control_bready,
  output logic [1:0]            s_axi_control_bresp,
  input  logic                  s_axi_control_arvalid,
  output logic                  s_axi_control_arready,
  input  logic [AddrBits-1:0]   s_axi_control_araddr,
  output logic                  s_axi_control_rvalid,
  input  logic                  s_axi_control_rready,
  output logic [31:0]           s_axi_control_rdata,
  output logic [1:0]            s_axi_control_rresp,
  // m_axi_fetch (read only)
  output logic                  m_axi_fetch_arvalid,
  input  logic                  m_axi_fetch_arready,
  output logic [63:0]           m_axi_fetch_araddr,
  output logic [7:0]            m_axi_fetch_arlen,
  output logic [2:0]            m_axi_fetch_arsize,
  output logic [1:0]            m_axi_fetch_arburst,
  input  logic                  m_axi_fetch_rvalid,
  output logic                  m_axi_fetch_rready,
  input  logic [DataBits-1:0]   m_axi_fetch_rdata,
  input  logic [1:0]            m_axi_fetch_rresp,
  input  logic                  m_axi_fetch_rlast,
  // m_axi_load (read only)
  output logic                  m_axi_load_arvalid,
  input  logic                  m_axi_load_arready,
  output logic [63:0]           m_axi_load_araddr,
  output logic [7:0]            m_axi_load_arlen,
  output logic [2:0]            m_axi_load_arsize,
  output logic [1:0]            m_axi_load_arburst,
  input  logic                  m_axi_load_rvalid,
  output logic                  m_axi_load_rready,
  input  logic [DataBits-1:0]   m_axi_load_rdata,
  input  logic [1:0]            m_axi_load_rresp,
  input  logic                  m_axi_load_rlast,
  // m_axi_acc (read only)
  output logic                  m_axi_acc_arvalid,
  input  logic                  m_axi_acc_arready,
  output logic [63:0]           m_axi_acc_araddr,
  output logic [7:0]            m_axi_acc_arlen,
  output logic [2:0]            m_axi_acc_arsize,
  output logic [1:0]            m_axi_acc_arburst,
  input  logic                  m_axi_acc_rvalid,
  output logic                  m_axi_acc_rready,
  input  logic [DataBits-1:0]   m_axi_acc_rdata,
  input  logic [1:0]            m_axi_acc_rresp,
  input  logic                  m_axi_acc_rlast,
  // m_axi_store (write only)
  output logic                  m_axi_store_awvalid,
  input  logic                  m_axi_store_awready,
  output logic [63:0]           m_axi_store_awaddr,
  output logic [7:0]            m_axi_store_awlen,
  output logic [2:0]            m_axi_store_awsize,
  output logic [1:0]            m_axi_store_awburst,
  output logic                  m_axi_store_wvalid,
  input  logic                  m_axi_store_wready,
  output logic [DataBits-1:0]   m_axi_store_wdata,
  output logic [BeatBytes-1:0]  m_axi_store_wstrb,
  output logic                  m_axi_store_wlast,
  input  logic                  m_axi_store_bvalid,
  output logic                  m_axi_store_bready,
  input  logic [1:0]            m_axi_store_bresp
);

  localparam logic [2:0] Size = 3'($clog2(BeatBytes));
  localparam logic [1:0] Incr = 2'b01;

  logic        start, finish, running;
  logic [63:0] insn_addr, const_addr, const_size, act_addr, act_size, cycles;
  logic [31:0] insn_count, status, error_pc;

  control_slave #(.Fingerprint(Fingerprint)) u_control (
    .clk_i(ap_clk), .rst_ni(ap_rst_n),
    .s_axi_control_awvalid, .s_axi_control_awready, .s_axi_control_awaddr,
    .s_axi_control_wvalid, .s_axi_control_wready, .s_axi_control_wdata, .s_axi_control_wstrb,
    .s_axi_control_bvalid, .s_axi_control_bready, .s_axi_control_bresp,
    .s_axi_control_arvalid, .s_axi_control_arready, .s_axi_control_araddr,
    .s_axi_control_rvalid, .s_axi_control_rready, .s_axi_control_rdata, .s_axi_control_rresp,
    .interrupt_o(interrupt),
    .start_o(start), .ready_i(finish), .done_i(finish), .idle_i(!running && !start),
    .insn_addr_o(insn_addr), .insn_count_o(insn_count), .const_addr_o(const_addr), .const_size_o(const_size),
    .act_addr_o(act_addr), .act_size_o(act_size),
    .status_i(status), .error_pc_i(error_pc), .cycles_i(cycles)
  );

  // Marks for the Verilator harness, which times every instruction (hw/verif/rtl_top.cpp): bit 0 an instruction is
  // offered to dispatch, 1 dispatched, 2..4 a unit (load, compute, store) starts one, 5..7 a unit ended one, 8 the
  // core starts a segment. Not a port: the kernel's interface is the AXI ports only.
  logic [8:0] probe /* verilator public_flat_rd */;
  assign probe[8] = start;

  systole_core #(
    .Rows(Rows), .Cols(Cols), .OutputStationary(OutputStationary), .InpRows(InpRows), .WgtRows(WgtRows), .AccRows(AccRows), .Banks(Banks),
    .InsnDepth(InsnDepth), .TokenDepth(TokenDepth), .BeatBytes(BeatBytes), .MaxOutstanding(MaxOutstanding),
    .BurstBytes(BurstBytes)
  ) u_core (
    .clk_i(ap_clk), .rst_ni(ap_rst_n),
    .start_i(start), .insn_addr_i(insn_addr), .insn_count_i(insn_count),
    .const_addr_i(const_addr), .const_size_i(const_size), .act_addr_i(act_addr), .act_size_i(act_size),
    .finish_o(finish), .running_o(running), .cycles_o(cycles), .status_o(status), .error_pc_o(error_pc),
    .offered_o(probe[0]), .dispatched_o(probe[1]), .started_o(probe[4:2]), .ended_o(probe[7:5]),
    .fetch_ar_valid_o(m_axi_fetch_arvalid), .fetch_ar_ready_i(m_axi_fetch_arready),
    .fetch_ar_addr_o(m_axi_fetch_araddr), .fetch_ar_len_o(m_axi_fetch_arlen),
    .fetch_r_valid_i(m_axi_fetch_rvalid), .fetch_r_data_i(m_axi_fetch_rdata),
    .load_ar_valid_o(m_axi_load_arvalid), .load_ar_ready_i(m_axi_load_arready),
    .load_ar_addr_o(m_axi_load_araddr), .load_ar_len_o(m_axi_load_arlen),
    .load_r_valid_i(m_axi_load_rvalid), .load_r_data_i(m_axi_load_rdata), .load_r_last_i(m_axi_load_rlast),
    .acc_ar_valid_o(m_axi_acc_arvalid), .acc_ar_ready_i(m_axi_acc_arready),
    .acc_ar_addr_o(m_axi_acc_araddr), .acc_ar_len_o(m_axi_acc_arlen),
    .acc_r_valid_i(m_axi_acc_rvalid), .acc_r_data_i(m_axi_acc_rdata), .acc_r_last_i(m_axi_acc_rlast),
    .store_aw_valid_o(m_axi_store_awvalid), .store_aw_ready_i(m_axi_store_awready),
    .store_aw_addr_o(m_axi_store_awaddr), .store_aw_len_o(m_axi_store_awlen),
    .store_w_valid_o(m_axi_store_wvalid), .store_w_ready_i(m_axi_store_wready),
    .store_w_data_o(m_axi_store_wdata), .store_w_strb_o(m_axi_store_wstrb), .store_w_last_o(m_axi_store_wlast),
    .store_b_valid_i(m_axi_store_bvalid), .store_b_ready_o(m_axi_store_bready)
  );

  assign m_axi_fetch_arsize  = Size;
  assign m_axi_fetch_arburst = Incr;
  assign m_axi_fetch_rready  = 1'b1;
  assign m_axi_load_arsize   = Size;
  assign m_axi_load_arburst  = Incr;
  assign m_axi_load_rready   = 1'b1;
  assign m_axi_acc_arsize    = Size;
  assign m_axi_acc_arburst   = Incr;
  assign m_axi_acc_rready    = 1'b1;
  assign m_axi_store_awsize  = Size;
  assign m_axi_store_awburst = Incr;

  // Responses are not checked (above); the fetch stream's length is known, so its rlast is not needed either.
  logic unused;
  assign unused = ^{m_axi_fetch_rresp, m_axi_fetch_rlast, m_axi_load_rresp, m_axi_acc_rresp, m_axi_store_bresp};

endmodule
