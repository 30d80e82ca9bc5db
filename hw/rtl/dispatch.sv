// Dispatch (docs/timing.md): one instruction per cycle from the instruction stream, in program order, into its
// unit's queue (load: loads into inp/wgt; compute: gemm, vec and loads into acc; store: stores), waiting while that
// queue is full. `sync` and `finish` wait until every queue is empty and every unit idle; `sync` then takes its
// cycle like any instruction, `finish` raises finish_o in that cycle and ends the segment. Combinational: the
// stream's and the queues' registers hold the state.
module dispatch #(
  parameter int unsigned InsnBits = 256
) (
  // the instruction stream (fetch)
  input  logic                insn_valid_i,
  input  logic [InsnBits-1:0] insn_i,
  output logic                insn_ready_o,
  // the three instruction queues: load, compute, store
  output logic [2:0]          q_valid_o,
  input  logic [2:0]          q_ready_i,
  output logic [InsnBits-1:0] q_insn_o,
  input  logic [2:0]          q_empty_i,
  input  logic [2:0]          unit_idle_i,
  output logic                finish_o
);

  localparam int unsigned UnitLoad = 0, UnitCompute = 1, UnitStore = 2;

  // Only the opcode and a load's target memory matter here.
  /* verilator lint_off UNUSEDSIGNAL */
  systole_pkg::load_insn_t ld;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [3:0] opcode;
  logic       drained;
  logic [1:0] unit;

  assign ld     = insn_i;
  assign opcode = insn_i[3:0];

  always_comb begin
    unit = 2'(UnitCompute);
    if (opcode == systole_pkg::OpcodeLoad && ld.mem != systole_pkg::MemAcc) unit = 2'(UnitLoad);
    if (opcode == systole_pkg::OpcodeStore) unit = 2'(UnitStore);
    drained      = (&q_empty_i) && (&unit_idle_i);
    q_valid_o    = '0;
    q_insn_o     = insn_i;
    insn_ready_o = 1'b0;
    finish_o     = 1'b0;
    if (insn_valid_i) begin
      if (opcode == systole_pkg::OpcodeSync || opcode == systole_pkg::OpcodeFinish) begin
        insn_ready_o = drained;
        finish_o     = drained && opcode == systole_pkg::OpcodeFinish;
      end else begin
        q_valid_o[unit] = 1'b1;
        insn_ready_o    = q_ready_i[unit];
      end
    end
  end

endmodule
