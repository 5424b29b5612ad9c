// How long and how much memory `newsletter bounces` takes to match return-path tokens against send journals of
// 1,000,000 recipients each (the first lookup of an issue builds its token table; two tables are kept).
//   node --import tsx bench/tools/journal-lookup.mts 1   (one issue)   …/journal-lookup.mts 3   (three: one is evicted)
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { returnPathToken } from '../../src/audience/index.ts';
import { JournalRecipients } from '../../src/bounces/index.ts';
const dir = await mkdtemp(join(tmpdir(), 'journal-lookup-'));
const N = 1_000_000;
const issues = Number(process.argv[2] ?? 1);
await mkdir(dir, { recursive: true });
for (let k = 0; k < issues; k++) {
  const slug = `2026-0${k + 1}-01-issue`;
  const fh = await open(join(dir, `${slug}--list-012345678${k}.journal.jsonl`), 'w');
  let buf = JSON.stringify({ s: 'run', t: 1, issue: slug, list: '/l.csv', pid: 1, concurrency: 5, rate: null }) + '\n';
  for (let i = 0; i < N; i++) {
    buf += `{"s":"sending","e":"reader${i}@example.com","n":${i},"t":2}\n{"s":"sent","e":"reader${i}@example.com","r":"250 ok","t":3}\n`;
    if (buf.length > 1 << 20) { await fh.write(buf); buf = ''; }
  }
  await fh.write(buf); await fh.close();
}
const secret = 'test-secret-0123456789abcdef0123456789abcdef';
const r = new JournalRecipients(dir, 'list.example.com', secret);
const base = process.memoryUsage().rss;
const t0 = performance.now();
for (let k = 0; k < issues; k++) {
  const slug = `2026-0${k + 1}-01-issue`;
  const found = await r.byToken(returnPathToken('list.example.com', slug, 'reader777777@example.com', secret));
  if (found?.email !== 'reader777777@example.com') throw new Error('not found');
}
const t1 = performance.now();
const lookup = await r.byToken(returnPathToken('list.example.com', '2026-01-01-issue', 'reader5@example.com', secret));
const t2 = performance.now();
console.log(JSON.stringify({ issues, firstLookupsMs: Math.round(t1 - t0), cachedLookupMs: +(t2 - t1).toFixed(2), rssMB: Math.round(process.memoryUsage().rss / 1e6), rssGrowthMB: Math.round((process.memoryUsage().rss - base) / 1e6), found: lookup?.email }));
await rm(dir, { recursive: true, force: true });
