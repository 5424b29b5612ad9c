/** The few small pages the unsubscribe endpoint shows a person in a browser. */
import { escapeHtml as escape } from '../content/index.ts';

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">
<title>${escape(title)}</title>
<style>
  :root { color-scheme: light dark; }
  body { font: 17px/1.6 -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; margin: 0; padding: 48px 20px; background: #f3f4f6; color: #1f2328; }
  main { max-width: 520px; margin: 0 auto; background: #fff; border-radius: 8px; padding: 32px 28px; }
  h1 { font-size: 24px; line-height: 1.3; margin: 0 0 12px; }
  button { font: inherit; font-weight: 600; min-height: 44px; padding: 10px 24px; border: 0; border-radius: 6px; background: #0b5cad; color: #fff; cursor: pointer; }
  @media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; } main { background: #161b22; } button { background: #4493f8; color: #0d1117; } }
</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}

/** GET: ask, never act (link scanners and prefetchers follow every link in a message). */
export function confirmPage(email: string, listName: string, action: string): string {
  return page(
    `Unsubscribe from ${listName}`,
    `<h1>Unsubscribe from ${escape(listName)}?</h1>
<p><strong>${escape(email)}</strong> will get no more issues.</p>
<form method="post" action="${escape(action)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function donePage(email: string, listName: string, already: boolean): string {
  return page(
    'Unsubscribed',
    `<h1>${already ? 'You were already unsubscribed' : 'You are unsubscribed'}</h1>
<p><strong>${escape(email)}</strong> will get no more issues of ${escape(listName)}.</p>`,
  );
}

export function invalidPage(): string {
  return page(
    'Link not valid',
    `<h1>This unsubscribe link is not valid</h1>
<p>It may have been cut short or changed. Open the unsubscribe link from the newsletter again, or reply to the newsletter and ask to be removed.</p>`,
  );
}
