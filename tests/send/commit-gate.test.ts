import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { COMMIT_GATE, createSmtpTransport } from '../../src/mail/transport.ts';
import { messageFor, prepareIssue } from '../../src/mail/index.ts';
import { startSmtpTestServer } from '../helpers/smtp-test-server.ts';
import { envFor, fixtureIssue, SECRET } from './helpers.ts';

describe('commit gate', () => {
  it('holds the end of DATA until the previous outcome is committed, so the server cannot accept the message before', async () => {
    const server = await startSmtpTestServer();
    const transport = createSmtpTransport(envFor(server.port).smtp!, { concurrency: 1 });
    try {
      const mail = messageFor(prepareIssue(await fixtureIssue(), {}, SECRET), { email: 'ada@example.com' });
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const sent = transport.sendMail({ ...mail, [COMMIT_GATE]: gate } as typeof mail);
      // Long enough for an ungated message to be delivered many times over.
      await sleep(500);
      expect(server.total()).toBe(0);
      open();
      await sent;
      expect(server.count('ada@example.com')).toBe(1);

      // A failed commit fails the message instead of finishing it.
      const failedCommit = Promise.reject(new Error('disk full'));
      failedCommit.catch(() => {}); // observed by the gate later; not an unhandled rejection meanwhile
      const failing = transport.sendMail({ ...mail, to: 'bob@example.com', [COMMIT_GATE]: failedCommit } as typeof mail);
      await expect(failing).rejects.toThrow();
      expect(server.count('bob@example.com')).toBe(0);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

describe('commit gate as a function (a pace that must hold at the server)', () => {
  it('is called only once the message is being written after DATA, not when its stream is made before MAIL FROM', async () => {
    // Each reply (greeting, MAIL, RCPT, end of DATA) comes 200 ms late: DATA starts ≥ 600 ms after the send.
    const server = await startSmtpTestServer({ delayMs: 200 });
    const transport = createSmtpTransport(envFor(server.port).smtp!, { concurrency: 1 });
    try {
      const mail = messageFor(prepareIssue(await fixtureIssue(), {}, SECRET), { email: 'ada@example.com' });
      const started = Date.now();
      let calledAfter = -1;
      const gate = () => {
        calledAfter = Date.now() - started;
        return Promise.resolve();
      };
      await transport.sendMail({ ...mail, [COMMIT_GATE]: gate } as typeof mail);
      expect(server.count('ada@example.com')).toBe(1);
      // The fixture message is small (~15 KB): buffered whole at once, its end came before MAIL FROM.
      expect(calledAfter).toBeGreaterThanOrEqual(550);
    } finally {
      transport.close();
      await server.close();
    }
  });
});
