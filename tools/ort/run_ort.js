#!/usr/bin/env node
// Runs an ONNX model with onnxruntime-node (the project's external reference executor) on .npy inputs.
//
//   node run_ort.js [options] MODEL.onnx OUT_DIR NAME=IN.npy [NAME=IN.npy ...]
//
// Every model output is written as OUT_DIR/<output name>.npy (C order), and one line per output is printed:
//   <name> <dtype> [<dims>] -> <path>
// Options:
//   --chunk N      split every input along axis 0 into pieces of N rows, run them one after another and
//                  concatenate the outputs along axis 0 (runs a fixed-batch model over a whole data set)
//   --threads N    intra-op threads (default 1)
//   --opt LEVEL    graph optimization: disabled | basic | extended | all (default all: ORT fuses QDQ groups
//                  into QLinearConv / QGemm / QLinearAdd ...)
//   --optimized-model PATH   also save the graph ORT runs after its optimizations
//   --repeat N     run N times (after one warm-up) and print the mean time per run on stderr
//   --times FILE   with --repeat: write {"onnxruntime": version, "threads": N, "times_ms": [each run]} as JSON
// .npy dtypes: float32, float64, int8, uint8, int16, uint16, int32, int64, uint64, bool (little endian, C order).
'use strict';

const fs = require('fs');
const path = require('path');

const { readNpy, writeNpy } = require('./npy');

// --------------------------------------------------------------------------------------------------------------
function usage(msg) {
  if (msg) process.stderr.write(`run_ort.js: ${msg}\n`);
  process.stderr.write('usage: node run_ort.js [--chunk N] [--threads N] [--opt LEVEL] [--optimized-model PATH] ' +
    '[--repeat N [--times FILE]] MODEL.onnx OUT_DIR NAME=IN.npy [NAME=IN.npy ...]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opt = { chunk: 0, threads: 1, opt: 'all', optimizedModel: null, repeat: 0, times: null, pos: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === '--chunk') opt.chunk = parseInt(val(), 10);
    else if (a === '--threads') opt.threads = parseInt(val(), 10);
    else if (a === '--opt') opt.opt = val();
    else if (a === '--optimized-model') opt.optimizedModel = val();
    else if (a === '--repeat') opt.repeat = parseInt(val(), 10);
    else if (a === '--times') opt.times = val();
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else opt.pos.push(a);
  }
  if (opt.pos.length < 2) usage();
  if (!['disabled', 'basic', 'extended', 'all'].includes(opt.opt)) usage(`bad --opt ${opt.opt}`);
  return opt;
}

function sliceRows(t, start, rows) {
  const row = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return { type: t.type, dims: [rows, ...t.dims.slice(1)], data: t.data.slice(start * row, (start + rows) * row) };
}

function concatRows(parts) {
  const first = parts[0];
  const total = parts.reduce((a, p) => a + p.data.length, 0);
  const data = new first.data.constructor(total);
  let off = 0;
  for (const p of parts) { data.set(p.data, off); off += p.data.length; }
  const rows = parts.reduce((a, p) => a + p.dims[0], 0);
  return { type: first.type, dims: [rows, ...first.dims.slice(1)], data };
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const [model, outDir, ...specs] = opt.pos;
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    process.stderr.write(`run_ort.js: cannot load onnxruntime-node (${e.message}); install it with\n` +
      `  cd ${__dirname} && ONNXRUNTIME_NODE_INSTALL=skip npm install\n`);
    process.exit(3);
  }
  const inputs = {};
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq <= 0) usage(`bad input ${s} (want NAME=FILE.npy)`);
    inputs[s.slice(0, eq)] = readNpy(s.slice(eq + 1));
  }
  const so = {
    intraOpNumThreads: opt.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: opt.opt,
  };
  if (opt.optimizedModel) so.optimizedModelFilePath = path.resolve(opt.optimizedModel);
  const session = await ort.InferenceSession.create(path.resolve(model), so);
  for (const n of session.inputNames) if (!(n in inputs)) throw new Error(`missing input ${n} (model inputs: ${session.inputNames.join(', ')})`);
  for (const n of Object.keys(inputs)) if (!session.inputNames.includes(n)) throw new Error(`model has no input ${n} (model inputs: ${session.inputNames.join(', ')})`);

  const rows = Object.values(inputs)[0]?.dims[0] ?? 1;
  const chunk = opt.chunk > 0 ? opt.chunk : rows;
  if (opt.chunk > 0) {
    for (const [n, t] of Object.entries(inputs)) {
      if (t.dims[0] !== rows || rows % chunk) throw new Error(`--chunk ${chunk}: input ${n} has ${t.dims[0]} rows`);
    }
  }
  const runOnce = async () => {
    const parts = Object.fromEntries(session.outputNames.map((n) => [n, []]));
    for (let r = 0; r < rows; r += chunk) {
      const feeds = {};
      for (const [n, t] of Object.entries(inputs)) {
        const s = opt.chunk > 0 ? sliceRows(t, r, chunk) : t;
        feeds[n] = new ort.Tensor(s.type, s.data, s.dims);
      }
      const res = await session.run(feeds);
      for (const n of session.outputNames) {
        const o = res[n];
        parts[n].push({ type: o.type, dims: o.dims.map(Number), data: o.data });
      }
      if (opt.chunk <= 0) break;
    }
    return parts;
  };
  const parts = await runOnce();
  if (opt.repeat > 0) {
    const times = [];
    for (let i = 0; i < opt.repeat; i++) {
      const t0 = process.hrtime.bigint();
      await runOnce();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const ms = times.reduce((a, b) => a + b, 0) / opt.repeat;
    if (opt.times) {
      const version = require('onnxruntime-node/package.json').version;
      fs.writeFileSync(opt.times, JSON.stringify({ onnxruntime: version, threads: opt.threads, times_ms: times }) + '\n');
    }
    process.stderr.write(`run_ort.js: ${ms.toFixed(3)} ms per run (mean of ${opt.repeat}, ${opt.threads} thread(s))\n`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const n of session.outputNames) {
    const t = parts[n].length > 1 ? concatRows(parts[n]) : parts[n][0];
    const file = path.join(outDir, `${n.replace(/[^A-Za-z0-9_.-]/g, '_')}.npy`);
    writeNpy(file, t.type, t.dims, t.data);
    console.log(`${n} ${t.type} [${t.dims.join(',')}] -> ${file}`);
  }
}

main().catch((e) => {
  process.stderr.write(`run_ort.js: ${e.message || e}\n`);
  process.exit(1);
});
