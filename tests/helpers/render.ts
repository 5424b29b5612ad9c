import { parseHTML } from 'linkedom';
import { compileRendered, mergeValues, personalize, type MergeValues } from '../../src/personalize/index.ts';
import type { BuiltIssue } from '../../src/render/build.ts';

export function parseDocument(html: string): Document {
  return parseHTML(html).document;
}

export const SAMPLE_URLS = {
  unsubscribeUrl: 'https://news.example.com/unsubscribe?e=ana%40example.com&t=abc',
  webVersionUrl: 'https://news.example.com/issues/x',
};

/** Personalize a built issue for one sample recipient. */
export function personalizeBuilt(built: BuiltIssue, recipient: { email: string; firstName?: string; lastName?: string }, values?: Partial<MergeValues>) {
  const compiled = compileRendered(built.props, built);
  return personalize(compiled, { ...mergeValues(recipient, SAMPLE_URLS, built.props.newsletter.greetingFallback), ...values });
}
