import { MERGE_FIELDS, type MergeField } from '../content/index.ts';
import type { ImageAsset } from '../render/index.ts';
import type { Platform, TagInput } from './platforms/types.ts';

const FIELD_LABELS: Record<MergeField, string> = {
  firstName: 'First name (with fallback)',
  lastName: 'Last name',
  email: 'Email address',
  unsubscribeUrl: 'Unsubscribe link (the footer’s <a href>)',
  webVersionUrl: 'View in browser',
};

/** Inline code that survives any backticks inside (CommonMark: a longer fence). */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}

/** IMPORT.md for one platform: steps, the tags used for each field, notes, and the docs they were checked against. */
export function importGuide(platform: Platform, input: TagInput, subject: string): string {
  const tags = platform.tags(input);
  const fields = Object.keys(MERGE_FIELDS) as MergeField[];
  return [
    `# Import into ${platform.title}`,
    '',
    `Subject: ${code(subject)}. Files: \`email.html\`, \`email.txt\`, \`subject.txt\`, \`preheader.txt\`. Template language: ${platform.syntax}.`,
    '',
    '## Steps',
    '',
    ...platform.importSteps(input).map((step, i) => `${i + 1}. ${step}`),
    '',
    '## Merge tags in these files',
    '',
    ...fields.map((f) => `- ${FIELD_LABELS[f]}: ${code(tags[f]('html'))}`),
    ...(platform.footer?.postalAddress ? [`- Postal address: ${code(platform.footer.postalAddress)}`] : []),
    '',
    '## Notes',
    '',
    ...platform.notes(input).map((n) => `- ${n}`),
    '',
    '## Checked against',
    '',
    ...Object.entries(platform.docs).map(([label, url]) => `- ${label}: ${url}`),
    '',
  ].join('\n');
}

export function webVersionGuide(webVersionUrl: string): string {
  return [
    '# Web version (view in browser)',
    '',
    'A static page of this issue: merge fields are filled with neutral values (the greeting fallback, “you” for the address, the newsletter’s unsubscribe page).',
    '',
    `Publish \`email.html\` at ${webVersionUrl} — every export’s “View in browser” link points there, except where the platform hosts its own copy (Mailchimp, Brevo, listmonk).`,
    '',
  ].join('\n');
}

export function emlGuide(recipient: string): string {
  return [
    '# Sample message (.eml)',
    '',
    `\`email.eml\` is the complete RFC 5322 message one subscriber (${recipient}) would receive: headers (List-Unsubscribe, List-Id), the plain-text and HTML parts. Open it in a mail client to see the issue as delivered, or import it into a testing tool.`,
    '',
  ].join('\n');
}

/**
 * The images section of every IMPORT.md: the local images are in `assets/` and the HTML
 * loads them from their hosted URLs, so they must be online before the first message goes out.
 */
export function imagesGuide(assets: readonly ImageAsset[], platformTitle: string): string {
  if (!assets.length) return '';
  const base = assets[0]!.url.slice(0, -assets[0]!.name.length);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  return [
    '## Images',
    '',
    `This issue has ${assets.length} image${assets.length === 1 ? '' : 's'} of its own in \`assets/\` (resized, metadata stripped). The HTML loads them from ${base} (the text part shows no images), so **upload \`assets/\` there before you send** (\`newsletter archive\` puts them into the site folder as well), or upload them to ${platformTitle}’s image library and replace each URL below with the one it gives you.`,
    '',
    ...assets.map((a) => `- \`${a.name}\` (${a.width}×${a.height}, ${kb(a.bytes)}, from ${a.source}) → ${a.url}`),
    '',
  ].join('\n');
}
