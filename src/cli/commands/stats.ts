import { EXIT, NewsletterError, type ExitCode } from '../../errors.ts';
import { ATTRIBUTION_RULE, collectStats, formatStats, HARD_BOUNCE_RULE } from '../../stats/index.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'stats',
  summary: [
    'Report each sent issue: delivered, failed, skipped, pending; then bounced, complained and unsubscribed, with the complaint and bounce rates against their thresholds.',
    '',
    `Attribution: ${ATTRIBUTION_RULE}`,
    `Rates: complaints / sent against Gmail and Yahoo (keep under 0.3 %, Gmail asks for under 0.1 %); ${HARD_BOUNCE_RULE} against the common 2 % (Gmail and Yahoo publish no bounce figure); unsubscribes / sent, no threshold. ✔ under, ⚠ over the aim, ✖ over the limit.`,
  ].join('\n'),
  usage: 'stats [ISSUE] [--json] [--state DIR] [--content DIR]',
  options: { json: { type: 'boolean' }, state: { type: 'string' }, content: { type: 'string' } },
  help: {
    ISSUE: 'Only this issue: its slug, its number, or its .md file (default: every issue with a send journal in the state folder).',
    '--json': 'Print the report as JSON (its shape is documented in src/stats/types.ts).',
    '--state DIR': 'The state folder `newsletter send` used: journals, suppression.csv, feedback.jsonl (default: .newsletter).',
    '--content DIR': 'Folder with newsletter.yml and issues/, for issue numbers and subjects (default: content).',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG', 'ESTATE'], reasons: ['stateSymlink'] },
  examples: ['newsletter stats', 'newsletter stats 3', 'newsletter stats 2026-03-01-send-fixture --json', 'newsletter stats --state /var/lib/newsletter'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

/** Damaged lines printed per run; the rest are counted (a file damaged throughout would otherwise bury the report). */
const MAX_PROBLEMS_SHOWN = 20;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  if (positionals.length > 1)
    throw new NewsletterError('EUSAGE', `stats takes one ISSUE at most; got ${positionals.length}: ${positionals.join(' ')}`, { fix: 'Run `newsletter stats` for every issue, or `newsletter stats ISSUE` for one.' });
  let shown = 0;
  const report = await collectStats({
    stateDir: values.state ?? '.newsletter',
    contentDir: values.content,
    issue: positionals[0],
    onProblem: (where, why) => {
      if (shown++ < MAX_PROBLEMS_SHOWN) console.error(`⚠ ${where}: ${why}`);
    },
  });
  if (shown > MAX_PROBLEMS_SHOWN) console.error(`⚠ … and ${shown - MAX_PROBLEMS_SHOWN} more damaged lines, not listed.`);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatStats(report, { all: positionals[0] === undefined }));
  return EXIT.OK;
}
