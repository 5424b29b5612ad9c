/**
 * Thunderbird, for real: the message opened from an .eml in a headless Thunderbird with a fresh
 * profile, read back over Marionette. Skipped with a note where Thunderbird is not installed;
 * under CI=true (where .ci/run installs it) the tests run and fail instead.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIssue, type CheckReport } from '../../src/check/index.ts';
import { readsAsButton, renderFindings } from '../../src/check/client-renders.ts';
import { clientModes, renderInThunderbird, type ClientShot } from '../../src/clients/index.ts';
import { parseSendEnv, Settings } from '../../src/config/index.ts';
import { htmlEml, processesWith, SKIP_THUNDERBIRD } from '../helpers/clients.ts';
import { ROOT } from '../helpers/content.ts';
import { SECRET } from '../send/helpers.ts';

const SEED = join(ROOT, 'content/issues/2026-02-05-trump-petro-oval-office.md');

/**
 * A hand-made message with one defect for each check (a link button, a "bulletproof" cell button
 * and a blue button in a tight white cell, all erased by Thunderbird's dark reader; a 700 px
 * table; grey on white), and things that are not defects (a padded link that never was a button,
 * a transparent preheader, a skip link placed off-screen).
 */
function plantedEml(): Buffer {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Planted</title></head>
<body style="margin:0;background-color:#ffffff">
<p style="color:#1f2328;font-size:16px">A paragraph that reads fine.</p>
<p style="color:#aaaaaa;font-size:14px">Grey small print under 3:1.</p>
<table width="700" style="width:700px" cellpadding="0" cellspacing="0"><tr><td style="color:#1f2328;font-size:16px">A table seven hundred pixels wide.</td></tr></table>
<p><a href="https://example.com/more" style="background-color:#0b5cad;color:#ffffff;display:inline-block;padding:14px 28px;font-size:16px;text-decoration:none">Read more</a></p>
<table cellpadding="0" cellspacing="0"><tr><td bgcolor="#0b5cad" style="padding:12px 24px"><a href="https://example.com/join" style="color:#ffffff;font-size:16px;text-decoration:none">Join us</a></td></tr></table>
<p><a href="https://example.com/web" style="display:inline-block;padding:8px 12px;color:#1f2328;font-size:16px">View in browser</a></p>
<table cellpadding="0" cellspacing="0"><tr><td bgcolor="#ffffff" style="padding:2px"><a href="https://example.com/blue" style="background-color:#0b5cad;color:#ffffff;display:inline-block;padding:14px 28px;font-size:16px">Blue in white</a></td></tr></table>
<div style="opacity:0;color:#ffffff">A preheader nobody sees, white on white.</div>
<a href="#top" style="position:absolute;left:-9999px;color:#ffffff;background-color:#ffffff">Skip to the top</a>
</body></html>`;
  return htmlEml('Planted defects', html);
}

const isPng = async (file: string) => (await readFile(file)).subarray(1, 4).toString('latin1') === 'PNG';

describe.skipIf(SKIP_THUNDERBIRD)('Thunderbird shows the issue as a subscriber receives it', () => {
  let report: CheckReport;
  let out: string;
  beforeAll(async () => {
    // Its own folder for the whole describe (tempDir() is removed after each test).
    out = await mkdtemp(join(tmpdir(), 'newsletter-clients-'));
    const settings = new Settings(parseSendEnv({ UNSUBSCRIBE_SECRET: SECRET }));
    report = await checkIssue({ file: SEED, cwd: ROOT, settings, spam: false, axe: false, clientsOut: out, clients: ['thunderbird'] });
  }, 120_000);
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('writes a PNG per width and scheme and a contact sheet linking them', async () => {
    const dir = join(out, '2026-02-05-trump-petro-oval-office', 'clients');
    for (const name of ['thunderbird-860-light', 'thunderbird-860-dark', 'thunderbird-400-light', 'thunderbird-400-dark']) {
      expect(existsSync(join(dir, `${name}.png`)), name).toBe(true);
      expect(await isPng(join(dir, `${name}.png`))).toBe(true);
    }
    const sheet = await readFile(join(dir, 'index.html'), 'utf8');
    expect(sheet).toContain('src="thunderbird-400-dark.png"');
    expect(report.figures.clientRenders?.files).toHaveLength(4);
  });

  it('finds nothing wrong with the seed: no sideways scrolling at 400 px, AA text, the button still a button in dark', () => {
    const rendering = report.findings.filter((f) => f.section === 'rendering');
    expect(rendering.filter((f) => f.severity !== 'info'), JSON.stringify(rendering, null, 2)).toEqual([]);
    expect(rendering.find((f) => f.id === 'rendering.measured')?.message).toMatch(/Thunderbird: measured .*dark at 400 px/);
  });
});

describe.skipIf(SKIP_THUNDERBIRD)('a message with planted defects', () => {
  let shots: ClientShot[];
  beforeAll(async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'newsletter-clients-'));
    const run = await renderInThunderbird({ eml: plantedEml(), outDir, modes: clientModes('thunderbird') });
    await rm(outDir, { recursive: true, force: true });
    expect(run.failures).toEqual([]);
    shots = run.shots;
  }, 120_000);

  it('reports the 700 px table at 400 px, not at 860 px', () => {
    const overflow = renderFindings(shots).filter((f) => f.id === 'rendering.overflow');
    expect(overflow).toHaveLength(1);
    expect(overflow[0]!.message).toMatch(/Thunderbird at 400 px \(light and dark\): the message is 7\d\d px wide/);
    expect(overflow[0]!.where).toMatch(/^table\[width=700/);
  });

  it('reports the buttons the dark reader erased, in dark only, and not the padded link', () => {
    const flat = renderFindings(shots).filter((f) => f.id.startsWith('rendering.cta'));
    expect(flat.map((f) => f.message.replace(/ no longer looks like a button.*/, ''))).toEqual([
      'Thunderbird dark at 860 and 400 px: “Read more”',
      'Thunderbird dark at 860 and 400 px: “Join us”',
      'Thunderbird dark at 860 and 400 px: “Blue in white”',
    ]);
    const light = shots.find((s) => s.scheme === 'light')!;
    expect(light.measure!.buttons.map((b) => [b.label, readsAsButton(b)])).toEqual([
      ['Read more', true],
      ['Join us', true],
      ['View in browser', false],
      ['Blue in white', true],
    ]);
  });

  it('does not measure the transparent preheader or the skip link placed off-screen', () => {
    const texts = shots.flatMap((s) => s.measure!.texts);
    expect(texts.filter((t) => t.element.includes('preheader') || t.element.includes('Skip'))).toEqual([]);
  });

  it('reports the grey small print as drawn, with the element named', () => {
    const contrast = renderFindings(shots).filter((f) => f.id === 'rendering.contrast' && f.data?.scheme === 'light');
    expect(contrast).toHaveLength(1);
    expect(contrast[0]!.message).toMatch(/#aaaaaa on #ffffff has contrast 2\.3\d:1; WCAG AA needs 4\.5:1 \(1 element: p "Grey small print/);
  });
});

describe.skipIf(SKIP_THUNDERBIRD)('right-to-left and leftovers', () => {
  it('reports a table that sticks out past the left edge of a right-to-left message, and leaves nothing behind', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'newsletter-clients-'));
    // os.tmpdir() pointed at a folder of this test's own while it runs: what the run leaves there, or still running with it, is its own.
    const own = await mkdtemp(join(tmpdir(), 'newsletter-clients-tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = own;
    const html = '<!doctype html><html lang="ar"><head><meta charset="utf-8"></head><body><div dir="rtl"><table width="700" style="width:700px"><tr><td>جدول عريض جدا</td></tr></table></div></body></html>';
    try {
      const run = await renderInThunderbird({ eml: htmlEml('Right to left', html), outDir, modes: [{ width: 400, scheme: 'light' }] });
      const [overflow] = renderFindings(run.shots).filter((f) => f.id === 'rendering.overflow');
      expect(overflow?.where).toMatch(/^table\[width=700/);
      expect(await readdir(own)).toEqual([]);
      expect(await processesWith(own)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(own, { recursive: true, force: true });
      await rm(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
