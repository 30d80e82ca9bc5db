// .npy reader / writer shared by the ONNX Runtime runners (run_ort.js, run_ort_batch.js): NumPy format 1.0-3.0,
// C order, little endian; dtypes float32, float64, int8, uint8, int16, uint16, int32, int64, uint64, bool.
'use strict';

const fs = require('fs');

const NPY_TYPES = {
  '<f4': { ort: 'float32', Arr: Float32Array },
  '<f8': { ort: 'float64', Arr: Float64Array },
  '|i1': { ort: 'int8', Arr: Int8Array },
  '|u1': { ort: 'uint8', Arr: Uint8Array },
  '<i2': { ort: 'int16', Arr: Int16Array },
  '<u2': { ort: 'uint16', Arr: Uint16Array },
  '<i4': { ort: 'int32', Arr: Int32Array },
  '<i8': { ort: 'int64', Arr: BigInt64Array },
  '<u8': { ort: 'uint64', Arr: BigUint64Array },
  '|b1': { ort: 'bool', Arr: Uint8Array },
};
const ORT_TO_DESCR = Object.fromEntries(Object.entries(NPY_TYPES).map(([d, t]) => [t.ort, d]));
ORT_TO_DESCR.bool = '|b1';

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  let hlen, hstart;
  if (major === 1) { hlen = buf.readUInt16LE(8); hstart = 10; } else { hlen = buf.readUInt32LE(8); hstart = 12; }
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw new Error(`${file}: cannot parse header ${header}`);
  if (fortran[1] === 'True') throw new Error(`${file}: Fortran order is not supported`);
  let d = descr[1];
  if (d === '<b1' || d === '|?' || d === '?') d = '|b1';
  if (d === '<i1') d = '|i1';
  if (d === '<u1') d = '|u1';
  const t = NPY_TYPES[d];
  if (!t) throw new Error(`${file}: unsupported dtype ${descr[1]}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const bytes = count * t.Arr.BYTES_PER_ELEMENT;
  if (buf.length - off < bytes) throw new Error(`${file}: truncated (${buf.length - off} of ${bytes} data bytes)`);
  const copy = new ArrayBuffer(bytes); // aligned copy
  new Uint8Array(copy).set(buf.subarray(off, off + bytes));
  const data = new t.Arr(copy);
  return { type: t.ort, dims, data: t.ort === 'bool' ? new Uint8Array(copy) : data };
}

function writeNpy(file, type, dims, data) {
  const descr = ORT_TO_DESCR[type];
  if (!descr) throw new Error(`cannot write tensor type ${type} as .npy`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), body]));
}

module.exports = { readNpy, writeNpy, NPY_TYPES };
