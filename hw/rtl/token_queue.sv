// Dependency-token queue between two units (docs/timing.md, "Units, queues and instructions"). Tokens carry no
// data, so the queue is a counter of tokens held, 0..Depth.
//
// Per cycle: push_i adds a token, pop_i takes one; a push and a pop in the same cycle keep the count (also when
// empty: the pushed token is taken at once, and when full: the pop frees the slot the push fills).
// Same-cycle availability: "a pushed token can be taken in the same cycle", so the consumer pops on
//     avail_o = (count_o != 0) || push_i
// which is combinational from push_i (the only combinational path of this module).
// full_o and empty_o describe count_o (the registered count). The producer must not push while full_o unless the
// consumer pops in the same cycle, and the consumer must not pop while !avail_o: such a push or pop is a protocol
// error and is dropped (the count saturates at Depth and at 0).
// Timing: count_o at cycle t + 1 is count_o + push - pop of cycle t.
module token_queue #(
  parameter  int unsigned Depth  = 8,
  localparam int unsigned CountW = $clog2(Depth + 1)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              push_i,
  input  logic              pop_i,
  output logic [CountW-1:0] count_o,
  output logic              full_o,
  output logic              empty_o,
  output logic              avail_o
);

  logic [CountW-1:0] count_q, count_d;

  assign count_o = count_q;
  assign full_o  = count_q == CountW'(Depth);
  assign empty_o = count_q == '0;
  assign avail_o = !empty_o || push_i;

  always_comb begin
    count_d = count_q;
    unique case ({push_i, pop_i})
      2'b10: begin
        if (!full_o) count_d = count_q + 1'b1;
      end
      2'b01: begin
        if (!empty_o) count_d = count_q - 1'b1;
      end
      default: ;  // no change, or a push and a pop that cancel
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      count_q <= '0;
    end else begin
      count_q <= count_d;
    end
  end

endmodule
