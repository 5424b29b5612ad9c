import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpTestServer, type FaultPlan, type SmtpTestServer } from './smtp-test-server.ts';

let servers: SmtpTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(plan?: FaultPlan): Promise<SmtpTestServer> {
  const server = await startSmtpTestServer(plan);
  servers.push(server);
  return server;
}

function transport(server: SmtpTestServer, auth?: { user: string; pass: string }, pool = false) {
  return nodemailer.createTransport({ host: server.host, port: server.port, secure: false, ignoreTLS: true, auth, pool, maxConnections: 1, connectionTimeout: 5000, socketTimeout: 5000 });
}

const message = (to: string, i = 0) => ({ from: 'Brief <brief@example.com>', to, subject: `Hello ${i}`, text: `Plain ${i}`, html: `<p>HTML ${i}</p>` });

/** Send and return the error's SMTP response code, or 250 when accepted. */
async function codeOf(promise: Promise<unknown>): Promise<number | string> {
  try {
    await promise;
    return 250;
  } catch (error) {
    const e = error as { responseCode?: number; code?: string };
    return e.responseCode ?? e.code ?? 'unknown';
  }
}

describe('startSmtpTestServer', () => {
  it('accepts, parses and counts messages, keeping the raw source', async () => {
    const smtp = await start();
    await transport(smtp).sendMail(message('Ada@example.com'));
    expect(smtp.received).toHaveLength(1);
    const [got] = smtp.received;
    expect(got!.envelopeTo).toEqual(['Ada@example.com']);
    expect(got!.envelopeFrom).toBe('brief@example.com');
    expect(got!.parsed.subject).toBe('Hello 0');
    expect(got!.parsed.text?.trim()).toBe('Plain 0');
    expect(got!.parsed.html).toContain('<p>HTML 0</p>');
    expect(got!.raw).toMatch(/^Subject: Hello 0\r$/m);
    expect(smtp.count('ada@example.com')).toBe(1);
    expect(smtp.count('bob@example.com')).toBe(0);
    expect(smtp.total()).toBe(1);
  });

  it('answers 550 to RCPT for permanently failing recipients and accepts the rest', async () => {
    const smtp = await start({ permanentFail: (rcpt) => rcpt.startsWith('gone') });
    const t = transport(smtp);
    expect(await codeOf(t.sendMail(message('gone@example.com')))).toBe(550);
    expect(await codeOf(t.sendMail(message('ok@example.com')))).toBe(250);
    expect(smtp.count('gone@example.com')).toBe(0);
    expect(smtp.count('ok@example.com')).toBe(1);
    expect(smtp.replies).toEqual([{ command: 'RCPT', code: 550, rcpt: 'gone@example.com' }]);
  });

  it.each([451, 454, 421] as const)('answers %i to RCPT when told to fail every attempt', async (code) => {
    const smtp = await start({ tempFailRate: 1, throttleCode: code });
    expect(await codeOf(transport(smtp).sendMail(message('ada@example.com')))).toBe(code);
    expect(smtp.total()).toBe(0);
    expect(smtp.replies[0]).toEqual({ command: 'RCPT', code, rcpt: 'ada@example.com' });
  });

  it('fails about the given share of RCPT and DATA with 451, the same way for the same seed', async () => {
    const run = async () => {
      const smtp = await start({ tempFailRate: 0.3, seed: 42 });
      const t = transport(smtp, undefined, true);
      const codes: Array<number | string> = [];
      for (let i = 0; i < 40; i++) codes.push(await codeOf(t.sendMail(message(`r${i}@example.com`, i))));
      t.close();
      return { smtp, codes };
    };
    const first = await run();
    const second = await run();
    expect(second.codes).toEqual(first.codes);
    const failed = first.codes.filter((c) => c !== 250);
    expect(new Set(failed)).toEqual(new Set([451]));
    // 40 sends, each facing two 30% dice (RCPT, then DATA): about half fail; bounds far from the mean.
    expect(failed.length).toBeGreaterThan(8);
    expect(failed.length).toBeLessThan(32);
    const commands = new Set(first.smtp.replies.map((r) => r.command));
    expect(commands).toEqual(new Set(['RCPT', 'DATA']));
    // Everything not refused was delivered exactly once.
    for (let i = 0; i < 40; i++) expect(first.smtp.count(`r${i}@example.com`), `r${i}`).toBe(first.codes[i] === 250 ? 1 : 0);
  });

  it('drops the connection mid-DATA for chosen attempts; nothing is stored for them', async () => {
    const smtp = await start({ dropMidData: (n) => n === 1 });
    const t = transport(smtp);
    const code = await codeOf(t.sendMail(message('ada@example.com')));
    expect(code).not.toBe(250);
    expect(typeof code).toBe('string'); // a connection error (ECONNECTION/ESOCKET), not an SMTP reply
    expect(smtp.count('ada@example.com')).toBe(0);
    expect(await codeOf(t.sendMail(message('ada@example.com')))).toBe(250);
    expect(smtp.count('ada@example.com')).toBe(1);
    expect(smtp.replies).toEqual([{ command: 'DATA', code: 0, n: 1 }]);
  });

  it('can store a message and then drop the connection before the 250 (the duplicate-on-retry case)', async () => {
    const smtp = await start({ dropAfterAccept: (n) => n === 1 });
    const t = transport(smtp);
    expect(await codeOf(t.sendMail(message('ada@example.com')))).not.toBe(250);
    expect(smtp.count('ada@example.com')).toBe(1);
  });

  it('is slow when asked: greeting, MAIL, RCPT and end of DATA each wait delayMs', async () => {
    const smtp = await start({ delayMs: 150 });
    const started = performance.now();
    expect(await codeOf(transport(smtp).sendMail(message('ada@example.com')))).toBe(250);
    // A lower bound only: a loaded machine can be slower, never faster.
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 150 - 20);
  });

  it('rejects AUTH with 535 when told to', async () => {
    const smtp = await start({ rejectAuth: true });
    expect(await codeOf(transport(smtp, { user: 'u', pass: 'p' }).sendMail(message('ada@example.com')))).toBe(535);
    expect(smtp.replies).toEqual([{ command: 'AUTH', code: 535 }]);
    expect(smtp.total()).toBe(0);
  });

  it('requires the given credentials: right ones pass, wrong ones get 535, none get 530', async () => {
    const smtp = await start({ requireAuth: { user: 'sender', pass: 's3cret' } });
    expect(await codeOf(transport(smtp, { user: 'sender', pass: 's3cret' }).sendMail(message('a@example.com')))).toBe(250);
    expect(await codeOf(transport(smtp, { user: 'sender', pass: 'wrong' }).sendMail(message('b@example.com')))).toBe(535);
    expect(await codeOf(transport(smtp).sendMail(message('c@example.com')))).toBe(530);
    expect(smtp.count('a@example.com')).toBe(1);
    expect(smtp.total()).toBe(1);
  });

  it('counts only, without parsing, for benchmarks', async () => {
    const smtp = await start({ countOnly: true });
    await transport(smtp).sendMail(message('ada@example.com'));
    expect(smtp.received).toEqual([]);
    expect(smtp.count('ada@example.com')).toBe(1);
  });
});
