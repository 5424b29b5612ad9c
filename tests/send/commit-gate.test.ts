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
