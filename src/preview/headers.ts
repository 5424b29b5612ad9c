import { SAMPLE_SECRET } from '../config/index.ts';
import type { BuiltIssue } from '../render/index.ts';
import { messageFor, prepareIssue, toRfc822 } from '../mail/index.ts';
import { SAMPLES, sampleValues, type SampleId, type SenderSettings } from './samples.ts';

/**
 * The whole message as `send` would make it for a sample subscriber (prepareIssue + messageFor
 * + toRfc822, the same bytes): the Headers view shows its head, the Clients view opens it in
 * mail clients. Send adds a DKIM-Signature as it makes each message when DKIM is configured;
 * the preview signs nothing, so there is none.
 */
export async function messageAsSent(built: BuiltIssue, id: SampleId, sender: SenderSettings): Promise<Buffer> {
  const recipient = SAMPLES[id].recipient;
  // The unsubscribe link the other views show (a visibly fake token: the preview has no secret to sign with).
  const { unsubscribeUrl } = sampleValues(built.props, recipient, sender);
  const prepared = prepareIssue(built, sender, SAMPLE_SECRET, { fixedUnsubscribeUrl: unsubscribeUrl });
  return toRfc822(messageFor(prepared, recipient));
}

/** The header block of the message as sent (bodies left out: they are the other views). */
export async function headersAsSent(built: BuiltIssue, id: SampleId, sender: SenderSettings): Promise<string> {
  const raw = (await messageAsSent(built, id, sender)).toString('utf8');
  const end = raw.indexOf('\r\n\r\n');
  const head = end >= 0 ? raw.slice(0, end) : raw;
  // The MIME parts' own headers say how the bodies are encoded: worth seeing too.
  const parts = [...raw.matchAll(/\r\n--[^\r\n]+\r\n((?:[^\r\n]+\r\n)+)\r\n/g)].map((m) => m[1]!.trimEnd());
  return [head, ...parts.map((p, i) => `\r\n--- part ${i + 1} ---\r\n${p}`)].join('\r\n').replace(/\r\n/g, '\n') + '\n';
}
