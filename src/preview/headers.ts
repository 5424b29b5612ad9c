import { SAMPLE_SECRET } from '../config/index.ts';
import type { BuiltIssue } from '../render/index.ts';
import { messageFor, prepareIssue, toRfc822 } from '../mail/index.ts';
import { SAMPLES, sampleValues, type SampleId, type SenderSettings } from './samples.ts';

/**
 * The header block of the message as `send` would make it for a sample
 * subscriber (prepareIssue + messageFor, the same bytes; bodies left out,
 * they are the other views). Send adds a DKIM-Signature as it makes each
 * message when DKIM is configured; the preview signs nothing, so none is shown.
 */
export async function headersAsSent(built: BuiltIssue, id: SampleId, sender: SenderSettings): Promise<string> {
  const recipient = SAMPLES[id].recipient;
  // The unsubscribe link the other views show (a visibly fake token: the preview has no secret to sign with).
  const { unsubscribeUrl } = sampleValues(built.props, recipient, sender);
  const prepared = prepareIssue(built, sender, SAMPLE_SECRET, { fixedUnsubscribeUrl: unsubscribeUrl });
  const raw = (await toRfc822(messageFor(prepared, recipient))).toString('utf8');
  const end = raw.indexOf('\r\n\r\n');
  const head = end >= 0 ? raw.slice(0, end) : raw;
  // The MIME parts' own headers say how the bodies are encoded: worth seeing too.
  const parts = [...raw.matchAll(/\r\n--[^\r\n]+\r\n((?:[^\r\n]+\r\n)+)\r\n/g)].map((m) => m[1]!.trimEnd());
  return [head, ...parts.map((p, i) => `\r\n--- part ${i + 1} ---\r\n${p}`)].join('\r\n').replace(/\r\n/g, '\n') + '\n';
}
