// What the fp32 units (fp32_add, fp32_mul, fp32_div, fp32_round and through it fp32_from_int) share: the NaN rules of
// x86 SSE (ADDSS, MULSS, DIVSS with MXCSR at its default) and a leading-zero count. Functions assign their result to
// their name: Yosys 0.23 has no `return`.
//
// SSE's NaN results: an operand that is a NaN is returned made quiet (bit 22 set), the first operand (a) before the
// second; an invalid operation on non-NaN operands (inf - inf, 0 * inf, 0 / 0, inf / inf) returns the "default NaN"
// (QNaN floating-point indefinite), 0xFFC00000. IEEE 754 leaves both choices to the implementation; ONNX Runtime's
// fp32 kernels inherit x86's.
package fp32_pkg;

  // A package is a library: each unit uses some of it (fp32_round and fp32_from_int none of the NaN constants).
  /* verilator lint_off UNUSEDPARAM */
  localparam logic [31:0] DefaultNan = 32'hffc0_0000;
  localparam logic [31:0] QuietBit   = 32'h0040_0000;
  /* verilator lint_on UNUSEDPARAM */

  // Classes of an fp32 value, given its magnitude bits (the sign bit dropped).
  function automatic logic is_nan(logic [30:0] magnitude);
    is_nan = magnitude[30:23] == 8'hff && magnitude[22:0] != '0;
  endfunction

  function automatic logic is_inf(logic [30:0] magnitude);
    is_inf = magnitude[30:23] == 8'hff && magnitude[22:0] == '0;
  endfunction

  function automatic logic is_zero(logic [30:0] magnitude);
    is_zero = magnitude == '0;
  endfunction

  // The NaN result when a or b is a NaN: the first NaN operand, made quiet.
  function automatic logic [31:0] propagate_nan(logic [31:0] a, logic [31:0] b);
    propagate_nan = (is_nan(a[30:0]) ? a : b) | QuietBit;
  endfunction

  // Leading zeros of a 48-bit vector (48 when it is zero); a narrower value is passed left-aligned (zeros appended).
  function automatic logic [5:0] leading_zeros(logic [47:0] x);
    logic [63:0] v;
    v = {x, 16'hffff};  // ones below x: a zero x counts 48
    leading_zeros = '0;
    if (v[63:32] == '0) begin leading_zeros[5] = 1'b1; v = v << 32; end
    if (v[63:48] == '0) begin leading_zeros[4] = 1'b1; v = v << 16; end
    if (v[63:56] == '0) begin leading_zeros[3] = 1'b1; v = v << 8; end
    if (v[63:60] == '0) begin leading_zeros[2] = 1'b1; v = v << 4; end
    if (v[63:62] == '0) begin leading_zeros[1] = 1'b1; v = v << 2; end
    leading_zeros[0] = !v[63];
  endfunction

endpackage
