/** What the client renders measure and produce; the check turns them into findings. */

export type ClientId = 'thunderbird' | 'evolution';
export type Scheme = 'light' | 'dark';

/** One window size and colour scheme a client renders the message at. */
export interface ClientMode {
  /** The window width asked for, in px: it names the PNG (`<client>-<width>-<scheme>.png`). */
  width: number;
  scheme: Scheme;
}

/** A text element's colours as the client drew them (Thunderbird: read from the rendered message document). */
export interface RenderedText {
  /** A short description: the tag and the start of its text, e.g. `a "Browse past issues"`. */
  element: string;
  /** Computed text colour and effective background (the first opaque background up the tree, else the canvas), `#rrggbb`. */
  fg: string;
  bg: string;
  /** Font size in px and whether the weight is bold (≥ 700), for WCAG's large-text rule. */
  px: number;
  bold: boolean;
}

/** A link drawn as a button (the link or the cells wrapping it tightly, padded or painted), as the client drew it. */
export interface RenderedButton {
  /** The label, trimmed. */
  label: string;
  /** Its own background (`#rrggbb`; null when transparent) and the background around it. */
  bg: string | null;
  around: string;
  /** Its border, when at least 1 px wide and not transparent (null otherwise). */
  border: { color: string; px: number } | null;
}

/** What a program could read from a rendered message (only where the client lets one: Thunderbird via Marionette). */
export interface RenderedMeasure {
  /** Width of the message document's content and of its viewport, in px: wider content scrolls sideways. */
  scrollWidth: number;
  clientWidth: number;
  /** How far content reaches past the left edge (right-to-left layouts), in px: cut off, not scrollable; 0 when nothing does. */
  cutLeft: number;
  /** The widest element that sticks out past the viewport, e.g. `table[width=700]`; null when none does. */
  widest: string | null;
  texts: RenderedText[];
  buttons: RenderedButton[];
}

/** One screenshot: a client at one mode, with what was measured when the client allows it. */
export interface ClientShot extends ClientMode {
  client: ClientId;
  /** Absolute path of the PNG. */
  file: string;
  measure?: RenderedMeasure;
  /** The message was taller than the window could be made: the PNG shows its top part only. */
  truncated?: boolean;
}

/** A mode (or, for Thunderbird, a colour scheme's modes) that did not render, and why. */
export interface ClientFailure {
  modes: ClientMode[];
  /** A NewsletterError (code ECHECK) whose message says what failed and whose fix says what to do. */
  error: Error & { fix?: string | undefined };
}

/** What one client produced: the modes that rendered, and those that failed (the rest still count). */
export interface ClientRun {
  shots: ClientShot[];
  failures: ClientFailure[];
}
