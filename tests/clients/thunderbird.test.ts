/**
 * Thunderbird, for real: the message opened from an .eml in a headless Thunderbird with a fresh
 * profile, read back over Marionette. Skipped with a note where Thunderbird is not installed;
 * under CI=true (where .ci/run installs it) the tests run and fail instead.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkIssue, type CheckReport } from '../../src/check/index.ts';
import { readsAsButton, renderFindings } from '../../src/check/client-renders.ts';
import { clientModes, renderInThunderbird, type ClientShot } from '../../src/clients/index.ts';
import { parseSendEnv, Settings } from '../../src/config/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { htmlEml, SKIP_THUNDERBIRD } from '../helpers/clients.ts';
import { ROOT } from '../helpers/content.ts';
import { SECRET } from '../send/helpers.ts';

const SEED = join(ROOT, 'content/issues/2026-02-05-trump-petro-oval-office.md');

/** A hand-made message with one defect for each check: a button Thunderbird's dark reader erases, a 700 px table, grey on white. */
function plantedEml(): Buffer {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Planted</title></head>
<body style="margin:0;background-color:#ffffff">
<p style="color:#1f2328;font-size:16px">A paragraph that reads fine.</p>
<p style="color:#aaaaaa;font-size:14px">Grey small print under 3:1.</p>
<table width="700" style="width:700px" cellpadding="0" cellspacing="0"><tr><td style="color:#1f2328;font-size:16px">A table seven hundred pixels wide.</td></tr></table>
<p><a href="https://example.com/more" style="background-color:#0b5cad;color:#ffffff;display:inline-block;padding:14px 28px;font-size:16px;text-decoration:none">Read more</a></p>
</body></html>`;
  return htmlEml('Planted defects', html);
}

const isPng = async (file: string) => (await readFile(file)).subarray(1, 4).toString('latin1') === 'PNG';

describe.skipIf(SKIP_THUNDERBIRD)('Thunderbird shows the issue as a subscriber receives it', () => {
  let report: CheckReport;
  let out: string;
  beforeAll(async () => {
    out = await tempDir();
    const settings = new Settings(parseSendEnv({ UNSUBSCRIBE_SECRET: SECRET }));
    report = await checkIssue({ file: SEED, cwd: ROOT, settings, spam: false, axe: false, clientsOut: out, clients: ['thunderbird'] });
  }, 120_000);

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
    shots = await renderInThunderbird({ eml: plantedEml(), outDir: await tempDir(), modes: clientModes('thunderbird') });
  }, 120_000);

  it('reports the 700 px table at 400 px, not at 860 px', () => {
    const overflow = renderFindings(shots).filter((f) => f.id === 'rendering.overflow');
    expect(overflow).toHaveLength(1);
    expect(overflow[0]!.message).toMatch(/Thunderbird at 400 px \(light and dark\): the message is 7\d\d px wide/);
    expect(overflow[0]!.where).toMatch(/^table\[width=700/);
  });

  it('reports the button the dark reader erased, in dark only', () => {
    const flat = renderFindings(shots).filter((f) => f.id === 'rendering.cta-not-button');
    expect(flat).toHaveLength(1);
    expect(flat[0]!.message).toMatch(/^Thunderbird dark at 860 and 400 px: “Read more” no longer looks like a button/);
    const light = shots.find((s) => s.scheme === 'light')!;
    expect(light.measure!.buttons.map(readsAsButton)).toEqual([true]);
  });

  it('reports the grey small print as drawn, with the element named', () => {
    const contrast = renderFindings(shots).filter((f) => f.id === 'rendering.contrast' && f.data?.scheme === 'light');
    expect(contrast).toHaveLength(1);
    expect(contrast[0]!.message).toMatch(/#aaaaaa on #ffffff has contrast 2\.3\d:1; WCAG AA needs 4\.5:1 \(1 element: p "Grey small print/);
  });
});
