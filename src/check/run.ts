import { join } from 'node:path';
import { formatProblem } from '../content/index.ts';
import { isNewsletterError } from '../errors.ts';
import { buildIssue, type BuiltIssue } from '../render/index.ts';
import { messageFor, prepareIssue, toRfc822 } from '../mail/index.ts';
import { unsubscribeUrl } from '../audience/index.ts';
import { loadSettings, MISSING_SECRET, type SenderSettings, type Settings } from '../config/index.ts';
import { checkAccessibility } from './accessibility.ts';
import { checkClientSupport } from './client-support.ts';
import { checkCompliance } from './compliance.ts';
import { checkContrast } from './contrast.ts';
import { parseHeaders } from './headers.ts';
import { attr, parseHtml } from './html-doc.ts';
import { checkImages } from './images.ts';
import { checkLinks } from './links.ts';
import { checkOnline, fetchedImageBytes } from './online.ts';
import { checkImageWeight } from './image-weight.ts';
import { checkPlainText } from './plain-text.ts';
import { finding, makeReport, type CheckReport, type Figures, type Finding } from './report.ts';
import { LONG_RECIPIENT, sampleCopy, TYPICAL_RECIPIENT, type SampleRecipient } from './sample.ts';
import { runBrowserStep, type BrowserStepResult } from './browser-step.ts';
import { withoutDuplicates } from './axe.ts';
import { checkSize } from './size.ts';
import { runClientsStep } from './clients-step.ts';
import type { ClientId } from '../clients/index.ts';
import { spamassassinPath, spamFindings, spamScore } from './spam.ts';

export interface CheckOptions {
  /** The issue file; default: the newest in content/issues/. */
  file?: string;
  /** Folder with newsletter.yml and issues/ (default: content). */
  contentDir?: string;
  cwd?: string;
  /** Fetch every link and image (off by default: many machines are offline). */
  online?: boolean;
  /** Take screenshots into <screenshotsOut>/<slug>/screenshots/ and fail on sideways overflow at 375 px. */
  screenshotsOut?: string;
  /**
   * The settings the message is composed with (From, Reply-To, the unsubscribe URL, mailto and
   * secret), as send composes it. Default: loaded from `.env` in `cwd` under `env`.
   */
  settings?: Settings;
  /** The environment for the default settings, and where SPAMASSASSIN_PATH / PATH find the spam tool (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Set false to skip the spam score (e.g. in a preview that re-checks on every save). */
  spam?: boolean;
  /** Set false to skip axe-core (it starts Chromium); the hand-written accessibility checks still run. */
  axe?: boolean;
  /**
   * Show the message in the installed mail clients (Thunderbird, Evolution): PNGs and a contact
   * sheet into <clientsOut>/<slug>/clients/, and findings from what Thunderbird drew.
   */
  clientsOut?: string;
  /** Which clients `clientsOut` uses (default: both; one not installed is reported as skipped). */
  clients?: readonly ClientId[];
}

/**
 * Check one issue as it would be sent: validate, render, personalize with
 * sample readers, compose the message, and run every check on the result.
 * Content that does not validate gives a report with the same messages as
 * `build`, and nothing else is checked.
 */
export async function checkIssue(options: CheckOptions = {}): Promise<CheckReport> {
  const env = options.env ?? process.env;
  const settings = options.settings ?? loadSettings({ cwd: options.cwd, env });
  const built = await buildOrReport(options);
  if (!('props' in built)) return built;
  const { props } = built;
  const sender = settings.sender();
  const findings: Finding[] = contentFindings(built);
  const { secret, sample } = settings.secretOrSample();
  if (sample)
    findings.push(finding('compliance', 'info', 'sample-secret', `${MISSING_SECRET.message}. check signs its sample links with a sample secret (fine for checking, never for sending)`, { fix: MISSING_SECRET.fix }));
  // The link base send uses: UNSUBSCRIBE_URL, else newsletter.yml's.
  const unsubscribeBase = sender.unsubscribeUrl ?? props.newsletter.unsubscribeUrl;
  const urlFor = (r: SampleRecipient) => unsubscribeUrl(unsubscribeBase, r.email, props.newsletter.listId, secret);
  const long = sampleCopy(props, built, LONG_RECIPIENT, urlFor);
  const reader = sampleCopy(props, built, TYPICAL_RECIPIENT, urlFor);
  const figures: Figures = { htmlBytes: Buffer.byteLength(long.personalized.html), textBytes: Buffer.byteLength(long.personalized.text) };

  findings.push(...checkSize(long.personalized.html));
  const doc = parseHtml(reader.personalized.html);
  const clients = checkClientSupport(reader.personalized.html);
  figures.clients = clients.summary;
  findings.push(...clients.findings, ...checkLinks(doc));
  const browser = await browserStep(reader.personalized.html, props.issue.slug, options, figures);
  // axe-core's findings replace the hand-written ones it covers; without Chromium those are the fallback.
  findings.push(...withoutDuplicates([...checkImages(doc), ...checkAccessibility(doc), ...checkContrast(props.newsletter.colors)], browser.axe));

  const message = await messageAsSent(built, reader.recipient, sender, secret);
  findings.push(...checkCompliance({ doc, postalAddress: props.newsletter.postalAddress, unsubscribeUrl: reader.unsubscribeUrl, headers: parseHeaders(message) }));
  if (options.spam !== false) findings.push(...(await spamCheck(message, env, figures)));
  if (options.clientsOut) {
    const step = await runClientsStep({ eml: message, subject: reader.personalized.subject, outDir: join(options.clientsOut, props.issue.slug, 'clients'), clients: options.clients, env, cwd: options.cwd });
    findings.push(...step.findings);
    figures.clientRenders = step.figures;
  }
  findings.push(...checkPlainText(doc, reader.personalized.text));
  const online = options.online ? await checkOnline(doc, { unsubscribeBase }) : [];
  findings.push(...online, ...imageWeight(doc, built, online));
  findings.push(...browser.findings);
  return makeReport(findings, figures, { file: built.file, subject: built.meta.subject });
}

/** The weight of the issue's own images (always known) and its hosted ones (known when --online fetched them). */
function imageWeight(doc: ReturnType<typeof parseHtml>, built: BuiltIssue, online: readonly Finding[]): Finding[] {
  const own = new Set(built.assets.map((a) => a.url));
  const hosted = new Set(doc.all('img[src]').map((i) => attr(i, 'src')?.trim() ?? '').filter((src) => /^https?:\/\//i.test(src) && !own.has(src)));
  const bytes = new Map([...fetchedImageBytes(online)].filter(([url]) => hosted.has(url)));
  return checkImageWeight(built.assets, bytes, hosted.size);
}

/** Chromium, when there is anything for it to do: axe-core (unless turned off) and the screenshots asked for. */
async function browserStep(html: string, slug: string, options: CheckOptions, figures: Figures): Promise<BrowserStepResult> {
  const outDir = options.screenshotsOut ? join(options.screenshotsOut, slug, 'screenshots') : undefined;
  const axe = options.axe !== false;
  if (!axe && !outDir) return { findings: [] };
  const step = await runBrowserStep({ html, outDir, axe });
  if (step.files) figures.screenshots = step.files;
  return step;
}

/** The built issue, or (content that does not validate) a report with build's messages. */
async function buildOrReport(options: CheckOptions): Promise<BuiltIssue | CheckReport> {
  try {
    return await buildIssue({ file: options.file, contentDir: options.contentDir, cwd: options.cwd });
  } catch (error) {
    if (!isNewsletterError(error) || error.code !== 'ECONTENT') throw error;
    return makeReport([finding('content', 'error', 'invalid', error.message, { where: error.where, fix: error.fix })], {});
  }
}

function contentFindings(built: BuiltIssue): Finding[] {
  return [
    ...built.warnings.map((w) => finding('content', 'warning', 'warning', formatProblem(w), { where: w.line ? `${w.file}:${w.line}` : w.file, fix: w.fix })),
    finding('content', 'info', 'valid', `${built.file} is valid`),
  ];
}

/**
 * The sample reader's message as send makes it, byte for byte but for the
 * signature (prepareIssue + messageFor: the settings' From, Reply-To,
 * unsubscribe base and mailto; its link signed with check's secret, the one
 * `reader`'s copy has), so the spam score is of what is sent. Unsigned, as
 * before: check does not use the DKIM key.
 */
function messageAsSent(built: BuiltIssue, reader: SampleRecipient, sender: SenderSettings, secret: string): Promise<Buffer> {
  return toRfc822(messageFor(prepareIssue(built, sender, secret), reader));
}

/** SpamAssassin's score for the message (its figures go into `figures.spam`), or why it was skipped. */
async function spamCheck(message: Buffer, env: NodeJS.ProcessEnv, figures: Figures): Promise<Finding[]> {
  const executable = spamassassinPath(env);
  if (!executable)
    return [finding('spam', 'info', 'skipped', 'spamassassin is not installed: spam score skipped', { fix: 'Install it to get a score: sudo apt-get install spamassassin (or set SPAMASSASSIN_PATH).' })];
  try {
    figures.spam = await spamScore(message, executable);
    return spamFindings(figures.spam);
  } catch (error) {
    return [finding('spam', 'warning', 'failed', `spamassassin failed: ${(error as Error).message}`, { fix: 'Run `spamassassin -L -t < message.eml` by hand to see why; `sudo sa-update` refreshes its rules.' })];
  }
}
