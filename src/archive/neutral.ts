import type { NewsletterProps } from '../content/index.ts';
import { webVersionValues } from '../export/index.ts';
import { fillProps } from '../render/index.ts';

/**
 * The props as the web version shows them: every merge field filled with the web version's
 * neutral values ("Hi there,"), as the `html` export does, so no page or feed carries a mark,
 * a `{{`, an address or a token. Filled from the props, not from the rendered email, which has
 * UTM parameters on its links.
 */
export function neutralProps(props: NewsletterProps): NewsletterProps {
  return fillProps(props, webVersionValues(props));
}
