#!/usr/bin/env node
// Runs every case of an agreement manifest (tests/e2e/agreement/gen_cases.py) with onnxruntime-node in this one
// process: graph optimizations all (ORT fuses QDQ groups as in deployment), 1 intra-op thread, sequential.
//
//   node run_ort_batch.js [--threads N] [--opt LEVEL] DIR/manifest.jsonl
//
// Manifest lines are JSON: {"seed", "model", "inputs": [[name, file], ...], ...}, files relative to the manifest's
// folder. For each case, every output goes to <folder>/case_<seed>.ort.<output>.npy; a case ONNX Runtime cannot
// load or run gets <folder>/case_<seed>.ort.error.txt with the message instead (and the batch goes on).
// Prints one summary line; exits 0 when every case ran, 1 otherwise, 2 on bad usage, 3 without onnxruntime-node.
'use strict';

const fs = require('fs');
const path = require('path');

const { readNpy, writeNpy } = require('./npy');

function usage(msg) {
  if (msg) process.stderr.write(`run_ort_batch.js: ${msg}\n`);
  process.stderr.write('usage: node run_ort_batch.js [--threads N] [--opt LEVEL] MANIFEST.jsonl\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opt = { threads: 1, opt: 'all', pos: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    if (a === '--threads') opt.threads = parseInt(val(), 10);
    else if (a === '--opt') opt.opt = val();
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else opt.pos.push(a);
  }
  if (opt.pos.length !== 1) usage();
  if (!['disabled', 'basic', 'extended', 'all'].includes(opt.opt)) usage(`bad --opt ${opt.opt}`);
  return opt;
}

const safe = (name) => name.replace(/[^A-Za-z0-9_.-]/g, '_');

async function runCase(ort, dir, c, so) {
  const base = path.join(dir, `case_${c.seed}.ort`);
  const session = await ort.InferenceSession.create(path.join(dir, c.model), so);
  try {
    const feeds = {};
    for (const [name, file] of c.inputs) {
      const t = readNpy(path.join(dir, file));
      feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    }
    const res = await session.run(feeds);
    for (const n of session.outputNames) {
      const o = res[n];
      writeNpy(`${base}.${safe(n)}.npy`, o.type, o.dims.map(Number), o.data);
    }
  } finally {
    await session.release();
  }
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const manifest = path.resolve(opt.pos[0]);
  const dir = path.dirname(manifest);
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    process.stderr.write(`run_ort_batch.js: cannot load onnxruntime-node (${e.message})\n`);
    process.exit(3);
  }
  const cases = fs.readFileSync(manifest, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  const so = { intraOpNumThreads: opt.threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: opt.opt, logSeverityLevel: 4 };  // failures are reported per case
  let failed = 0;
  const t0 = process.hrtime.bigint();
  for (const c of cases) {
    const errFile = path.join(dir, `case_${c.seed}.ort.error.txt`);
    fs.rmSync(errFile, { force: true });
    try {
      await runCase(ort, dir, c, so);
    } catch (e) {
      failed++;
      fs.writeFileSync(errFile, `${e.message || e}\n`);
      process.stderr.write(`run_ort_batch.js: seed ${c.seed}: ${e.message || e}\n`);
    }
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`run_ort_batch.js: ${cases.length - failed} of ${cases.length} cases ran (${s.toFixed(1)} s, ` +
    `ONNX Runtime ${ort.env.versions ? ort.env.versions.common : '?'})`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`run_ort_batch.js: ${e.message || e}\n`);
  process.exit(1);
});
