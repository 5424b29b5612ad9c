/**
 * check's spam score, export's sample .eml and the preview's headers show the
 * message send makes (messageFor's bytes), not a second composition of it:
 * they used to go through composeMessage + MailComposer, whose boundary,
 * header order and quoted-printable layout differ from what is sent.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkIssue, TYPICAL_RECIPIENT } from '../../src/check/index.ts';
import { parseSendEnv, SAMPLE_SECRET, Settings } from '../../src/config/index.ts';
import { exportIssue, SAMPLE_RECIPIENT } from '../../src/export/index.ts';
import { messageFor, prepareIssue, toRfc822 } from '../../src/mail/index.ts';
import { headersAsSent } from '../../src/preview/headers.ts';
import { SAMPLES, sampleValues } from '../../src/preview/index.ts';
import { buildIssue } from '../../src/render/build.ts';
import { tempDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/content.ts';
import { SECRET } from '../send/helpers.ts';

/** The message with its MIME boundary and Date written the same way every time: the two things that differ between runs. */
function normalised(message: Uint8Array | string): string {
  const text = typeof message === 'string' ? message : Buffer.from(message).toString('utf8');
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  if (!boundary) throw new Error(`no multipart boundary in:\n${text.slice(0, 2000)}`);
  return text.replaceAll(boundary, 'BOUNDARY').replace(/^Date: .*$/m, 'Date: DATE');
}

/** The header block (and each part's headers would follow it): what the preview shows, in its LF form. */
const headerBlock = (message: string): string => message.slice(0, message.indexOf('\r\n\r\n')).replace(/\r\n/g, '\n');

describe('what check, export and preview show is what send makes', () => {
  it("check scores send's bytes for its sample reader (signed with check's secret)", async () => {
    const dir = await tempDir();
    const scored = join(dir, 'scored.eml');
    // A stand-in spamassassin that keeps the message it was given.
    const fake = join(dir, 'spamassassin');
    await writeFile(fake, `#!/bin/sh\ncat > '${scored}'\necho 'X-Spam-Status: No, score=0.0 required=5.0 tests=NONE'\n`);
    await chmod(fake, 0o755);
    const settings = new Settings(parseSendEnv({ UNSUBSCRIBE_SECRET: SECRET }));
    await checkIssue({ cwd: ROOT, settings, env: { SPAMASSASSIN_PATH: fake }, axe: false });
    const built = await buildIssue({ cwd: ROOT });
    const sent = await toRfc822(messageFor(prepareIssue(built, settings.sender(), SECRET), TYPICAL_RECIPIENT));
    expect(normalised(await readFile(scored))).toBe(normalised(sent));
  });

  it("export's sample .eml is send's message for its sample reader, with the unsigned unsubscribe page", async () => {
    const exported = await exportIssue({ cwd: ROOT, targets: ['eml'] });
    const eml = exported.targets[0]!.files['email.eml']!;
    const built = await buildIssue({ cwd: ROOT });
    const { newsletter, issue } = built.props;
    const prepared = prepareIssue(built, {}, SAMPLE_SECRET, { fixedUnsubscribeUrl: newsletter.unsubscribeUrl });
    const sent = await toRfc822(messageFor(prepared, SAMPLE_RECIPIENT, new Date(`${issue.date}T00:00:00Z`)));
    expect(normalised(eml)).toBe(normalised(sent));
    expect(eml.toString()).toMatch(/^Date: .* 00:00:00 \+0000$/m);
  });

  it.each(['named', 'anonymous'] as const)("the preview's headers are those of send's message (%s reader)", async (id) => {
    const built = await buildIssue({ cwd: ROOT });
    const shown = await headersAsSent(built, id, {});
    const { recipient } = SAMPLES[id];
    const prepared = prepareIssue(built, {}, SAMPLE_SECRET, { fixedUnsubscribeUrl: sampleValues(built.props, recipient).unsubscribeUrl });
    const sent = normalised(await toRfc822(messageFor(prepared, recipient)));
    const head = normalised(shown).split('\n\n--- part 1 ---')[0]!;
    expect(head).toBe(headerBlock(sent));
    expect(shown).toContain('token=preview-sample-token');
  });
});
