import { MERGE_FIELDS, type MergeField } from '../content/index.ts';
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
