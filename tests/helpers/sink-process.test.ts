import { readFile } from 'node:fs/promises';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startSinkProcess, type SinkProcess } from './sink-process.ts';

const sinks: SinkProcess[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.remove()));
});

async function sink(options: Parameters<typeof startSinkProcess>[0] = {}): Promise<SinkProcess> {
  const s = await startSinkProcess(options);
  sinks.push(s);
  return s;
}

/** A nodemailer transport to the sink on loopback (no TLS offered, none needed). */
function transport(port: number, pool?: { maxConnections: number }) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...(pool ? { pool: true, ...pool } : {}) });
}

const mail = (i: number, to: string | string[] = `Reader.${i}@Example.COM`) => ({
  from: 'brief@news.example.com',
  to,
  subject: `issue ${i}`,
  text: `hello ${i}\n.\nline after a lone dot`,
  messageId: `<msg-${i}@news.example.com>`,
});

describe('startSinkProcess', () => {
  it('logs one line per accepted recipient (lower-cased) with its Message-ID and envelope sender, no sooner than delayMs after the message was sent', async () => {
    const s = await sink({ delayMs: 200 });
    const t = transport(s.port);
    const sentAt: number[] = [];
    const messages: [number, string | string[]][] = [
      [1, 'Ada@Example.com'],
      [2, ['bo@example.com', 'CY@example.com']],
    ];
    for (const [i, to] of messages) {
      sentAt.push(Date.now());
      const info = await t.sendMail({ ...mail(i, to), envelope: { from: 'bounces+x@news.example.com', to } });
      expect(info.response).toMatch(/^250 /);
    }
    t.close();

    const got = await s.deliveries();
    expect(got.map((d) => [d.rcpt, d.id, d.from])).toEqual([
      ['ada@example.com', '<msg-1@news.example.com>', 'bounces+x@news.example.com'],
      ['bo@example.com', '<msg-2@news.example.com>', 'bounces+x@news.example.com'],
      ['cy@example.com', '<msg-2@news.example.com>', 'bounces+x@news.example.com'],
    ]);
    // A lower bound only: the 250 waited for the delay, so acceptance is at least delayMs after sending began.
    expect(got[0]!.t - sentAt[0]!).toBeGreaterThanOrEqual(200);
    expect(got[1]!.t - sentAt[1]!).toBeGreaterThanOrEqual(200);
    expect(got[1]!.t).toBe(got[2]!.t); // one message, one acceptance
    expect(await s.counts()).toEqual(new Map([['ada@example.com', 1], ['bo@example.com', 1], ['cy@example.com', 1]]));
  });

  it('counts a recipient accepted twice as 2 (a duplicate), and a message without a Message-ID has no id', async () => {
    const s = await sink();
    const t = transport(s.port);
    await t.sendMail({ envelope: { from: 'a@example.com', to: 'dup@example.com' }, raw: 'Subject: one\r\n\r\nbody\r\n' });
    await t.sendMail({ envelope: { from: '', to: 'dup@example.com' }, raw: 'Subject: two\r\n\r\nbody\r\n' });
    t.close();
    const got = await s.deliveries();
    expect(got.map((d) => ('id' in d ? 'has id' : 'no id'))).toEqual(['no id', 'no id']);
    expect(got.map((d) => d.from)).toEqual(['a@example.com', '']);
    expect((await s.counts()).get('dup@example.com')).toBe(2);
  });

  it('deferEvery: 3 answers every third RCPT TO 451 4.7.1, and those recipients are not logged', async () => {
    const s = await sink({ deferEvery: 3 });
    const t = transport(s.port);
    const outcomes: string[] = [];
    for (let i = 1; i <= 6; i++) {
      try {
        await t.sendMail(mail(i, `r${i}@example.com`));
        outcomes.push('sent');
      } catch (error) {
        const e = error as { responseCode?: number; response?: string };
        outcomes.push(`${e.responseCode} ${e.response?.includes('4.7.1 try later') ? 'try later' : e.response}`);
      }
    }
    t.close();
    expect(outcomes).toEqual(['sent', 'sent', '451 try later', 'sent', 'sent', '451 try later']);
    expect((await s.deliveries()).map((d) => d.rcpt)).toEqual(['r1@example.com', 'r2@example.com', 'r4@example.com', 'r5@example.com']);
    expect((await s.stats()).deferred).toBe(2);
  });

  it('kill() mid-run leaves only whole lines, and every message a client saw accepted is in the log', async () => {
    const s = await sink({ delayMs: 5 });
    const t = transport(s.port, { maxConnections: 10 });
    const accepted: string[] = [];
    const sends = Array.from({ length: 600 }, (_, i) =>
      t.sendMail(mail(i)).then(
        () => accepted.push(`reader.${i}@example.com`),
        () => undefined, // refused or cut off by the kill
      ),
    );
    // Kill once some messages are in: sends are then in every stage (DATA, waiting, answered).
    while ((await readFile(s.logPath, 'utf8')).split('\n').length < 100) await new Promise((r) => setTimeout(r, 10));
    await s.kill();
    const seenAccepted = [...accepted];
    await Promise.all(sends);
    t.close();

    const text = await readFile(s.logPath, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    const logged = new Set((await s.deliveries()).map((d) => d.rcpt));
    expect(logged.size).toBe(lines.length);
    expect(logged.size).toBeLessThan(600);
    expect(seenAccepted.filter((r) => !logged.has(r))).toEqual([]);
  });

  it('stop() reports its counters and its own CPU time, and the log stays readable afterwards', async () => {
    const s = await sink({ maxClients: 5 });
    const t = transport(s.port, { maxConnections: 3 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => t.sendMail(mail(i))));
    t.close();
    const stats = await s.stop();
    expect(stats).toMatchObject({ messages: 30, recipients: 30, deferred: 0, pid: s.pid });
    expect(stats.connections).toBeGreaterThanOrEqual(1);
    expect(stats.connections).toBeLessThanOrEqual(3);
    expect(stats.cpuUserUs + stats.cpuSystemUs).toBeGreaterThan(0);
    expect((await s.deliveries()).length).toBe(30);
    await expect(s.stats()).rejects.toThrow(/not running/);
  });
});
