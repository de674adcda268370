// Times write-good on texts for bench/run.py. Usage: node writegood_worker.js TEXTS.json
// Reads one text index per stdin line; answers "<index> <nanoseconds> <suggestions>" per line.
// Only the writeGood(text) call is timed (no process start, no I/O), like the Python side.
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const writeGood = require(path.join(__dirname, 'node_modules', 'write-good'));

const texts = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const i = parseInt(line, 10);
  const t0 = process.hrtime.bigint();
  const found = writeGood(texts[i]);
  const ns = process.hrtime.bigint() - t0;
  process.stdout.write(`${i} ${ns} ${found.length}\n`);
});
