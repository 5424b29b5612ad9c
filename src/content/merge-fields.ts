/**
 * The fixed, documented set of personalization fields. Content and templates
 * may use exactly these as `{{name}}`; export maps each one to a platform tag.
 */
export const MERGE_FIELDS = {
  firstName: "The subscriber's first name, or the newsletter's greetingFallback (\"there\") when unknown.",
  lastName: "The subscriber's last name, or empty.",
  email: "The subscriber's email address.",
  unsubscribeUrl: "The subscriber's own one-click unsubscribe URL.",
  webVersionUrl: 'The view-in-browser URL of this issue.',
} as const;

export type MergeField = keyof typeof MERGE_FIELDS;
export const MERGE_FIELD_NAMES = Object.keys(MERGE_FIELDS) as MergeField[];

/** The one way a template or the renderer writes a placeholder: a single string, so React never splits it. */
export function placeholder(field: MergeField): string {
  return `{{${field}}}`;
}

/** `{{ name }}` in authored text; a backslash before it (`\{{`) means literal braces. */
const AUTHORED_FIELD = /(\\?)\{\{\s*([^{}]*?)\s*\}\}/g;

export interface FieldUse {
  name: string;
  index: number;
  known: boolean;
}

export function findFieldUses(text: string): FieldUse[] {
  const uses: FieldUse[] = [];
  for (const m of text.matchAll(AUTHORED_FIELD)) {
    if (m[1]) continue; // escaped: literal braces
    const name = m[2] ?? '';
    uses.push({ name, index: m.index, known: (MERGE_FIELD_NAMES as string[]).includes(name) });
  }
  return uses;
}

// Private-use sentinels carry field uses and escaped braces through the Markdown
// parser, which would otherwise eat the backslash of `\{{`.
const FIELD_OPEN = '\uE000';
const FIELD_CLOSE = '\uE001';
const LITERAL_BRACES = '\uE002';
const SENTINELS = /\uE000([A-Za-z]+)\uE001|\uE002|\{\{/g;

/** Mark known `{{field}}` uses and escaped `\{{` in authored text with sentinels. */
export function protectFields(text: string): string {
  return text.replace(AUTHORED_FIELD, (match, escaped: string, name: string) => {
    if (escaped) return LITERAL_BRACES + match.slice(3);
    return (MERGE_FIELD_NAMES as string[]).includes(name) ? FIELD_OPEN + name + FIELD_CLOSE : match;
  });
}

/**
 * Turn protected text into Handlebars template text: field uses become
 * placeholders; every other `{{` is escaped (`\{{`) so Handlebars prints it
 * literally and never evaluates anything written in content.
 */
export function toTemplateText(protectedText: string): string {
  return protectedText.replace(SENTINELS, (match, name: string | undefined) =>
    name ? placeholder(name as MergeField) : '\\{{',
  );
}

/** Authored text straight to template text (front matter: no Markdown in between). */
export function authoredToTemplate(text: string): string {
  return toTemplateText(protectFields(text));
}

/** Template text back to what a reader sees, without evaluating fields (for previews and lengths). */
export function templateToDisplay(text: string): string {
  return text.replaceAll('\\{{', '{{');
}
