import type { MergeField, NewsletterProps } from '../content/index.ts';
import { keepLiteral } from './literal.ts';
import { literalValue } from './platforms/shared.ts';
import type { Platform, TagTable } from './platforms/types.ts';

/** Neutral values for the web version: nobody in particular is reading it. */
export function webVersionValues(props: NewsletterProps): Record<MergeField, string> {
  return {
    firstName: props.newsletter.greetingFallback,
    lastName: '',
    // "You are receiving … because you subscribed at …"
    email: 'you',
    unsubscribeUrl: props.newsletter.unsubscribeUrl,
    webVersionUrl: props.issue.webVersionUrl,
  };
}

/**
 * The web version as a "platform" whose tags are fixed values: the same
 * translation (and the same checks) as every export, HTML-escaped where they
 * land in HTML, literal braces printed as braces.
 */
export function webVersionTarget(props: NewsletterProps): Platform {
  const values = webVersionValues(props);
  const tags = Object.fromEntries(Object.entries(values).map(([f, v]) => [f, (ctx: Parameters<TagTable[MergeField]>[0]) => literalValue(v, ctx)])) as TagTable;
  return {
    name: 'html',
    title: 'Web version',
    syntax: 'none (static HTML)',
    engine: 'none',
    docs: {},
    tags: () => tags,
    escapeLiteral: keepLiteral,
    importSteps: () => [],
    notes: () => [],
  };
}
