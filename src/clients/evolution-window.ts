/**
 * Driving Evolution's windows on the private X server: wait for the main window, open the message
 * in a window of its own, and capture that window once it shows the message (evolution-capture.ts).
 */
import { captureState } from './evolution-capture.ts';
import { cutBlank, parsePpm, writePng } from './ppm.ts';
import { sleep } from './processes.ts';
import { captureWhenStill, findWindows, titlePattern, waitForWindow, windowName, xdotool } from './xvfb.ts';

/** How long the message window may take to paint and settle once it is open. */
const CAPTURE_CAP_MS = 15_000;

/** Open the message in its own window, wait until it is painted, cut the blank below it, write the PNG. */
export async function showAndCapture(x: NodeJS.ProcessEnv, message: { subject: string; timeoutMs: number }, file: string, signal: AbortSignal): Promise<{ truncated: boolean }> {
  const { timeoutMs } = message;
  const main = await waitForWindow(x, '^Inbox', timeoutMs, signal);
  if (!main) throw new Error(`Evolution did not open its main window (Inbox) within ${timeoutMs / 1000} s`);
  const window = await openMessageWindow(x, main, message.subject, timeoutMs, signal);
  // evolution-capture.ts says when a capture shows the message (not a blank or half-built window).
  const painted = (ppm: Buffer) => captureState(parsePpm(ppm)) !== 'empty';
  const { ppm } = await captureWhenStill(x, window, { intervalMs: 500, capMs: CAPTURE_CAP_MS, still: 2, ready: painted, signal });
  const image = parsePpm(ppm);
  const state = captureState(image);
  if (state === 'empty') throw new Error(`Evolution's message window stayed empty for ${CAPTURE_CAP_MS / 1000} s`);
  await writePng(state === 'complete' ? cutBlank(image) : image, file, x, signal);
  return { truncated: state === 'truncated' };
}

/** The dialog F12 opens (and closes once nothing is left to fetch): never the message window. */
const SEND_RECEIVE = /^Send & Receive/;

/**
 * A fresh local store shows an empty Inbox until Send/Receive (F12) reads it; the message then
 * appears, selected, and Ctrl+O opens it in a window titled with its subject. Ctrl+O is repeated
 * until that window exists (the message may not be listed yet), and never after.
 *
 * The message window is a window that was not there before F12, whose title matches the subject
 * and is not the Send & Receive dialog: a subject with no ASCII at all ("Новости недели") makes a
 * pattern (`.* .*`) that any title with a space matches.
 */
async function openMessageWindow(x: NodeJS.ProcessEnv, main: string, subject: string, timeoutMs: number, signal: AbortSignal): Promise<string> {
  const pattern = titlePattern(subject);
  const deadline = Date.now() + timeoutMs;
  const before = new Set(await findWindows(x, '', { visible: true, signal }));
  await xdotool(x, ['windowfocus', main], signal);
  await xdotool(x, ['key', '--clearmodifiers', 'F12'], signal);
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    await sleep(500, signal);
    const window = await newWindow(x, pattern, before, signal);
    if (window) return window;
    await xdotool(x, ['windowfocus', main], signal);
    // Every 3 s without the message, read the folder again, in case the first F12 came too early.
    await xdotool(x, ['key', '--clearmodifiers', attempt % 6 === 0 ? 'F12' : 'ctrl+o'], signal);
  }
  throw new Error(`Evolution did not open the message window ("${subject}") within ${timeoutMs / 1000} s`);
}

/** The first visible window matching `pattern` that is not in `before` and is not the Send & Receive dialog. */
async function newWindow(x: NodeJS.ProcessEnv, pattern: string, before: ReadonlySet<string>, signal: AbortSignal): Promise<string | undefined> {
  for (const id of await findWindows(x, pattern, { visible: true, signal })) {
    if (before.has(id)) continue;
    if (!SEND_RECEIVE.test(await windowName(x, id, signal))) return id;
  }
  return undefined;
}
