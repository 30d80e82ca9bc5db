// The instruction sequencing every unit shares (docs/timing.md, "Units"): take the head of the unit's instruction
// queue when idle, take its dependency tokens all at once (waiting until every one it names is there), hand it to
// the unit's datapath, and in the cycle after the datapath's last cycle push its tokens all at once (waiting while
// a target token queue is full); the next instruction may be taken in that push cycle.
//
//   cycle T-1: dp_done_i (the datapath's last cycle)
//   cycle T:   push tokens (if the queues have room); take the queue head; if its tokens are there, pop them and
//              start the datapath (dp_valid_o, accepted in the same cycle)
//
// idle_o is high when the unit holds no instruction and owes no tokens (dispatch's `sync`/`finish` wait for it),
// including a push cycle whose push goes through and takes no new instruction.
module unit_sequencer #(
  parameter int unsigned InsnBits = 256
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  // the instruction queue's output
  input  logic                q_valid_i,
  input  logic [InsnBits-1:0] q_insn_i,
  output logic                q_ready_o,
  // tokens from and to the neighbouring units (token_queue avail_o / full_o; pop and push pulses)
  input  logic                prev_avail_i,
  input  logic                next_avail_i,
  output logic                pop_prev_o,
  output logic                pop_next_o,
  input  logic                prev_full_i,
  input  logic                next_full_i,
  output logic                push_prev_o,
  output logic                push_next_o,
  // the datapath
  output logic                dp_valid_o,
  output logic [InsnBits-1:0] dp_insn_o,
  input  logic                dp_ready_i,
  input  logic                dp_done_i,
  output logic                idle_o
);

  // Header bits shared by every instruction (systole_pkg: pop_prev, pop_next, push_prev, push_next at 4..7).
  localparam int unsigned PopPrevBit = 4, PopNextBit = 5, PushPrevBit = 6, PushNextBit = 7;

  typedef enum logic [1:0] {StIdle, StWait, StBusy, StPush} state_e;
  state_e state_q, state_d;
  logic [InsnBits-1:0] insn_q, insn_d;
  logic                push_prev_q, push_next_q, push_prev_d, push_next_d;

  logic                free;   // this cycle the unit can take its next instruction
  logic                push_ok;
  logic                holding;
  logic [InsnBits-1:0] insn;
  logic                tokens_ok;

  // The push cycle: all tokens at once, when every target queue has room. A block of its own: the pushes depend
  // only on registers and the queues' full flags, while the rest depends on the neighbours' pushes (through the
  // token queues' same-cycle bypass).
  always_comb begin
    push_ok     = state_q != StPush || (!(push_prev_q && prev_full_i) && !(push_next_q && next_full_i));
    push_prev_o = state_q == StPush && push_ok && push_prev_q;
    push_next_o = state_q == StPush && push_ok && push_next_q;
  end

  always_comb begin
    state_d     = state_q;
    insn_d      = insn_q;
    push_prev_d = push_prev_q;
    push_next_d = push_next_q;
    q_ready_o   = 1'b0;
    pop_prev_o  = 1'b0;
    pop_next_o  = 1'b0;
    dp_valid_o  = 1'b0;
    dp_insn_o   = insn_q;
    idle_o      = 1'b0;

    if (state_q == StPush && push_ok) state_d = StIdle;
    free = state_q == StIdle || (state_q == StPush && push_ok);

    // Take the head when free, or keep waiting for the held instruction's tokens.
    holding = state_q == StWait || (free && q_valid_i);
    insn    = state_q == StWait ? insn_q : q_insn_i;
    if (free && q_valid_i) begin
      q_ready_o = 1'b1;
      insn_d    = q_insn_i;
      state_d   = StWait;
    end
    tokens_ok = !(insn[PopPrevBit] && !prev_avail_i) && !(insn[PopNextBit] && !next_avail_i);
    if (holding && tokens_ok && dp_ready_i) begin
      pop_prev_o  = insn[PopPrevBit];
      pop_next_o  = insn[PopNextBit];
      dp_valid_o  = 1'b1;
      dp_insn_o   = insn;
      push_prev_d = insn[PushPrevBit];
      push_next_d = insn[PushNextBit];
      state_d     = StBusy;
    end
    idle_o = state_q == StIdle || (state_q == StPush && push_ok && !(free && q_valid_i));
  end

  // The datapath's last cycle (a one-cycle instruction ends in the cycle it starts). A block of its own: dp_done_i
  // may depend combinationally on dp_valid_o.
  state_e state_next;
  always_comb begin
    state_next = state_d;
    if ((state_q == StBusy || dp_valid_o) && dp_done_i) state_next = StPush;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= StIdle;
      insn_q      <= '0;
      push_prev_q <= 1'b0;
      push_next_q <= 1'b0;
    end else begin
      state_q     <= state_next;
      insn_q      <= insn_d;
      push_prev_q <= push_prev_d;
      push_next_q <= push_next_d;
    end
  end

endmodule
