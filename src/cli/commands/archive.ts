import { relative, resolve } from 'node:path';
import { buildSite, FEED_FILES, serveSite, writeSite, type WriteReport } from '../../archive/index.ts';
import { formatProblem } from '../../content/index.ts';
import { EXIT, NewsletterError, type ExitCode } from '../../errors.ts';
import { parseCommandArgs, portFlag, runUntilSignal, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'archive',
  summary: 'Build the web archive from every issue: a page per issue, an index, Atom and JSON feeds, a sitemap and the images, in out/site/.',
  usage: 'archive [--content DIR] [--out DIR] [--base-url URL] [--serve] [--port N]',
  options: { content: { type: 'string' }, out: { type: 'string' }, 'base-url': { type: 'string' }, serve: { type: 'boolean' }, port: { type: 'string' } },
  help: {
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
    '--out DIR': 'The site folder, replaced as a whole; unchanged files keep their time, so sync tools upload only changes (default: out/site).',
    '--base-url URL': 'Use this URL instead of siteUrl in canonical links, the feeds and the sitemap, e.g. a staging host (default: newsletter.yml siteUrl).',
    '--serve': 'After building, serve the site on 127.0.0.1 at the path of its URL until Ctrl-C.',
    '--port N': 'Port for --serve; 0 picks a free one (default: 4000).',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'EOUTPUT'] },
  examples: [
    'newsletter archive',
    'newsletter archive --serve',
    'newsletter archive --out public/issues --base-url https://staging.hemispherebrief.example.com/issues/',
    'newsletter archive --serve --port 0',
  ],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

/** "N written, M unchanged", then each changed file. */
function printReport(report: WriteReport, dir: string): void {
  const removed = report.removed.length ? `, ${report.removed.length} removed` : '';
  console.log(`  ${dir}/: ${report.written.length} written, ${report.unchanged.length} unchanged${removed}`);
  for (const path of report.written) console.log(`    + ${path}`);
  for (const path of report.removed) console.log(`    - ${path}`);
}

export async function run(argv: string[]): Promise<ExitCode> {
  const { values } = parseCommandArgs(spec, argv);
  if (values.port !== undefined && !values.serve)
    throw new NewsletterError('EUSAGE', '--port is for --serve, which was not given', { fix: 'Add --serve: newsletter archive --serve --port 4000' });
  const port = portFlag(values.port, 4000);
  const built = await buildSite({ contentDir: values.content, baseUrl: values['base-url'] });
  for (const w of built.warnings) console.error(formatProblem(w));
  const target = resolve(values.out ?? 'out/site');
  const report = await writeSite(target, built.files);
  const dir = relative(process.cwd(), target) || '.';
  const { issues, baseUrl } = built.site;
  console.log(`✔ Archive of ${issues.length} issue${issues.length === 1 ? '' : 's'} for ${baseUrl}`);
  printReport(report, dir);
  if (!values.serve) return EXIT.OK;

  const mount = new URL(baseUrl).pathname;
  const server = await serveSite(built.files, { port, mount });
  console.log(`Serving ${dir}/ at ${server.url} (127.0.0.1 only)`);
  console.log(`  index:     ${server.url}`);
  console.log(`  Atom feed: ${server.url}${FEED_FILES.atom}`);
  console.log(`  JSON Feed: ${server.url}${FEED_FILES.json}`);
  console.log('Ctrl+C to stop.');
  await runUntilSignal(() => server.close());
  return EXIT.OK;
}
