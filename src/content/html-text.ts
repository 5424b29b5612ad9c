/**
 * HTML text as React writes it (`& < > " '`, the apostrophe as `&#x27;`), for
 * element content and double-quoted attribute values. One copy for every room
 * that writes HTML by hand (export, preview, the unsubscribe pages): export
 * looks for text React rendered, so this must match React byte for byte.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' };
