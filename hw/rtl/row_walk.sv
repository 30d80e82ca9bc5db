// The 2-D row walk of the ISA's loops: for o in [0, outer), i in [0, inner): row = base + o * stride_outer +
// i * stride_inner, one row per step, computed incrementally (adders, no multipliers).
//
// A cycle with start_i high (re)loads the walk and already shows its first row (row_o is combinational from the
// inputs in that cycle); each cycle with step_i high, the start cycle included, moves to the next row from the
// next cycle on. last_o is high on the walk's final row. Rows are computed modulo 2^RowBits; verified programs
// never leave their memories, so no wrap occurs.
module row_walk #(
  parameter int unsigned RowBits = 24
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               start_i,
  input  logic [RowBits-1:0] base_i,
  input  logic [RowBits-1:0] stride_outer_i,
  input  logic [RowBits-1:0] stride_inner_i,
  input  logic [15:0]        outer_i,
  input  logic [15:0]        inner_i,
  input  logic               step_i,
  output logic [RowBits-1:0] row_o,
  output logic               last_o
);

  logic [RowBits-1:0] row_q, obase_q, s_out_q, s_in_q;
  logic [15:0]        o_q, i_q, outer_q, inner_q;
  // The walk's state in this cycle: the registers, or the inputs on a start cycle.
  logic [RowBits-1:0] row, obase, s_out, s_in;
  logic [15:0]        o, i, outer, inner;

  always_comb begin
    row   = start_i ? base_i : row_q;
    obase = start_i ? base_i : obase_q;
    s_out = start_i ? stride_outer_i : s_out_q;
    s_in  = start_i ? stride_inner_i : s_in_q;
    o     = start_i ? 16'd0 : o_q;
    i     = start_i ? 16'd0 : i_q;
    outer = start_i ? outer_i : outer_q;
    inner = start_i ? inner_i : inner_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      row_q   <= '0;
      obase_q <= '0;
      s_out_q <= '0;
      s_in_q  <= '0;
      o_q     <= '0;
      i_q     <= '0;
      outer_q <= '0;
      inner_q <= '0;
    end else begin
      s_out_q <= s_out;
      s_in_q  <= s_in;
      outer_q <= outer;
      inner_q <= inner;
      if (step_i && i + 16'd1 < inner) begin
        i_q     <= i + 16'd1;
        o_q     <= o;
        row_q   <= row + s_in;
        obase_q <= obase;
      end else if (step_i) begin
        i_q     <= '0;
        o_q     <= o + 16'd1;
        row_q   <= obase + s_out;
        obase_q <= obase + s_out;
      end else begin
        i_q     <= i;
        o_q     <= o;
        row_q   <= row;
        obase_q <= obase;
      end
    end
  end

  assign row_o  = row;
  assign last_o = (o + 16'd1 >= outer) && (i + 16'd1 >= inner);

endmodule
