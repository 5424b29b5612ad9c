import type { BuiltIssue } from '../render/index.ts';
import { composeMessage, toRfc822 } from '../mail/index.ts';
import { sampleMessage, type SampleId, type SenderSettings } from './samples.ts';

/**
 * The header block of the message as `send` would compose it for a sample
 * subscriber (bodies left out; they are the other views). The transport adds
 * DKIM-Signature when DKIM is configured, so it is not shown here.
 */
export async function headersAsSent(built: BuiltIssue, id: SampleId, sender: SenderSettings): Promise<string> {
  const sample = sampleMessage(built, id, sender);
  const options = composeMessage({
    props: built.props,
    personalized: sample.personalized,
    recipient: sample.recipient,
    unsubscribe: { url: sample.unsubscribeUrl, mailto: sender.unsubscribeMailto },
    from: sender.from,
    replyTo: sender.replyTo,
  });
  const raw = (await toRfc822(options)).toString('utf8');
  const end = raw.indexOf('\r\n\r\n');
  const head = end >= 0 ? raw.slice(0, end) : raw;
  // The MIME parts' own headers say how the bodies are encoded: worth seeing too.
  const parts = [...raw.matchAll(/\r\n--[^\r\n]+\r\n((?:[^\r\n]+\r\n)+)\r\n/g)].map((m) => m[1]!.trimEnd());
  return [head, ...parts.map((p, i) => `\r\n--- part ${i + 1} ---\r\n${p}`)].join('\r\n').replace(/\r\n/g, '\n') + '\n';
}
