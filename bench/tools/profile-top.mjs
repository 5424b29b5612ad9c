#!/usr/bin/env node
/**
 * Top self-time functions of a V8 CPU profile (`node --cpu-prof`), for the
 * closing notes of performance work: node bench/tools/profile-top.mjs FILE.cpuprofile [N]
 * Self time = samples whose top frame is the function, times the sampling interval.
 */
import { readFileSync } from 'node:fs';

const [file, count = '10'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/tools/profile-top.mjs FILE.cpuprofile [N]');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const totalMs = (profile.endTime - profile.startTime) / 1000;
const perSample = totalMs / profile.samples.length;
const self = new Map();
for (const [id, n] of hits) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = url ? `${url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + n);
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(count));
console.log(`${file}: ${totalMs.toFixed(0)} ms, ${profile.samples.length} samples`);
for (const [key, n] of rows) console.log(`${(n * perSample).toFixed(1).padStart(9)} ms ${((100 * n) / profile.samples.length).toFixed(1).padStart(5)} %  ${key}`);
