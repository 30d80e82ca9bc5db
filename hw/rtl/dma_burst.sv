// The bursts of one DMA element (docs/timing.md, "DMA"), shared by dma_load and dma_store: an element of `bytes`
// contiguous bytes at `addr` is one burst, or two where it crosses a 4 KiB boundary (second_i selects the second).
// Each burst is an aligned full-width INCR burst over the words its bytes touch: word_addr_o and len_o (beats - 1).
// Combinational.
module dma_burst #(
  parameter int unsigned BeatBytes = 16
) (
  input  logic [63:0] addr_i,
  input  logic [15:0] bytes_i,
  input  logic        second_i,
  output logic [63:0] burst_addr_o,   // first byte of this burst
  output logic [15:0] burst_bytes_o,
  output logic        last_o,         // the element's last burst
  output logic [63:0] word_addr_o,
  output logic [7:0]  len_o
);

  localparam int unsigned WordShift = $clog2(BeatBytes);

  logic [63:0] elem_end, page_end;
  logic        crosses;
  always_comb begin
    elem_end = addr_i + 64'(bytes_i);
    page_end = {addr_i[63:12], 12'h000} + 64'h1000;
    crosses  = elem_end > page_end;
    if (!second_i) begin
      burst_addr_o  = addr_i;
      burst_bytes_o = crosses ? 16'(page_end - addr_i) : bytes_i;
    end else begin
      burst_addr_o  = page_end;
      burst_bytes_o = 16'(elem_end - page_end);
    end
    last_o      = !crosses || second_i;
    word_addr_o = {burst_addr_o[63:WordShift], WordShift'(0)};
    len_o       = 8'(((burst_addr_o + 64'(burst_bytes_o) - 64'd1) >> WordShift) - (burst_addr_o >> WordShift));
  end

endmodule
