/**
 * Child process for the `workers` benchmark's sink-limit figure: one plain nodemailer pool with
 * CONNECTIONS connections sending MESSAGES copies of the raw message in FILE to PORT, each to its
 * own envelope recipient (flood.N@example.com). In its own process so the sink's limit is not
 * the benchmark's own event loop. Prints one JSON line: { accepted, failed, ms }.
 * Usage: node --import tsx pool-flood.ts PORT CONNECTIONS MESSAGES FILE
 */
import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';

const [port, connections, messages, file] = process.argv.slice(2);
if (!port || !connections || !messages || !file) throw new Error('usage: pool-flood.ts PORT CONNECTIONS MESSAGES FILE');
const raw = await readFile(file);
const transport = nodemailer.createTransport({
  host: '127.0.0.1',
  port: Number(port),
  secure: false,
  ignoreTLS: true,
  pool: true,
  maxConnections: Number(connections),
  // Keep every connection for the whole run (the default reconnects every 100 messages).
  maxMessages: Infinity,
});
let accepted = 0;
let failed = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(messages) }, (_, i) =>
    transport.sendMail({ envelope: { from: 'brief@hemispherebrief.example.com', to: `flood.${i}@example.com` }, raw }).then(
      () => accepted++,
      () => failed++,
    ),
  ),
);
transport.close();
console.log(JSON.stringify({ accepted, failed, ms: performance.now() - started }));
