/**
 * Gmail clips a message whose HTML reaches about 102 KB ("[Message clipped]
 * View entire message") and hides the rest, the unsubscribe link too. One
 * figure for the rendered HTML: `check` warns near it, `export` refuses past it.
 */
export const GMAIL_CLIP_BYTES = 102_000;
