import type { SenderSettings } from '../config/index.ts';
import type { MergeValues, NewsletterProps } from '../content/index.ts';
import type { BuiltIssue } from '../render/index.ts';
import { compileRendered, personalize, valuesFor, type CompiledIssue, type Personalized, type RecipientFields } from '../personalize/index.ts';

/** The two sample subscribers the preview switches between. */
export const SAMPLES = {
  named: { label: 'Ana María', recipient: { email: 'ana.maria@example.com', firstName: 'Ana María', lastName: 'Rodríguez' } },
  anonymous: { label: 'No first name', recipient: { email: 'reader@example.com' } },
} as const satisfies Record<string, { label: string; recipient: RecipientFields }>;

export type SampleId = keyof typeof SAMPLES;

export function sampleId(value: string | null | undefined): SampleId {
  return value === 'anonymous' ? 'anonymous' : 'named';
}

// MAIL_FROM, REPLY_TO, UNSUBSCRIBE_URL, UNSUBSCRIBE_MAILTO as the CLI loads them (src/config), the same that send uses.
export type { SenderSettings };

export interface SampleMessage {
  recipient: RecipientFields;
  values: MergeValues;
  personalized: Personalized;
  unsubscribeUrl: string;
}

const compiled = new WeakMap<BuiltIssue, CompiledIssue>();

/**
 * The merge fields as a sample subscriber gets them, in this preview and in React Email's
 * (newsletter preview-props). The unsubscribe link has send's base (UNSUBSCRIBE_URL, else
 * newsletter.yml's) and a visibly fake token: a preview has no secret and signs nothing.
 */
export function sampleValues(props: NewsletterProps, recipient: RecipientFields, sender: SenderSettings = {}): MergeValues {
  const unsubscribe = new URL(sender.unsubscribeUrl ?? props.newsletter.unsubscribeUrl);
  unsubscribe.searchParams.set('token', 'preview-sample-token');
  return valuesFor(props, recipient, unsubscribe.href);
}

/** The issue as one sample subscriber would get it. */
export function sampleMessage(built: BuiltIssue, id: SampleId, sender: SenderSettings = {}): SampleMessage {
  let c = compiled.get(built);
  if (!c) {
    c = compileRendered(built.props, built);
    compiled.set(built, c);
  }
  const recipient: RecipientFields = SAMPLES[id].recipient;
  const values = sampleValues(built.props, recipient, sender);
  return { recipient, values, personalized: personalize(c, values), unsubscribeUrl: values.unsubscribeUrl };
}
