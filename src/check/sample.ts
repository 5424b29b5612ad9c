import type { NewsletterProps } from '../content/index.ts';
import { compileRendered, personalize, valuesFor, type Personalized } from '../personalize/index.ts';

export interface SampleRecipient {
  email: string;
  firstName: string;
  lastName: string;
}

/**
 * The longest reader we plan for: a 64-character first name, a long last name
 * and a 124-character address (a 64-character local part, the most RFC 5321
 * allows). The HTML size is measured with these, since every merge field grows it.
 */
export const LONG_RECIPIENT: SampleRecipient = {
  firstName: 'María-Guadalupe Alexandrina Inmaculada Concepción de los Ángeles',
  lastName: 'Fernández de la Santísima Trinidad y Bergerdorff-Montenegro',
  email: 'maria-guadalupe.alexandrina.wolfeschlegelsteinhausen-bergerdorff@mail.subscribers.hemisphere-readers-association.example.org',
};

/** A typical reader, for everything else: the copy screenshots and the spam score are taken of. */
export const TYPICAL_RECIPIENT: SampleRecipient = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@example.com' };

export interface SampleCopy {
  recipient: SampleRecipient;
  unsubscribeUrl: string;
  personalized: Personalized;
}

export type UnsubscribeUrlFn = (recipient: SampleRecipient) => string;

/** Personalize the rendered templates for a sample reader, as send would. */
export function sampleCopy(props: NewsletterProps, templates: { html: string; text: string }, recipient: SampleRecipient, unsubscribeUrlFor: UnsubscribeUrlFn): SampleCopy {
  const unsubscribeUrl = unsubscribeUrlFor(recipient);
  return { recipient, unsubscribeUrl, personalized: personalize(compileRendered(props, templates), valuesFor(props, recipient, unsubscribeUrl)) };
}
