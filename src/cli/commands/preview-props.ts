import { resolve } from 'node:path';
import { loadIssue } from '../../content/index.ts';
import { writePreviewProps } from '../../render/index.ts';
import { EXIT, type ExitCode } from '../../errors.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const PREVIEW_PROPS_FILE = 'emails/preview-props.generated.ts';

export const spec = {
  name: 'preview-props',
  summary: `Write ${PREVIEW_PROPS_FILE} from an issue, so the React Email preview (npm run dev) shows real content.`,
  usage: 'preview-props [ISSUE.md] [--content DIR]',
  options: { content: { type: 'string' } },
  help: { 'ISSUE.md': 'The issue (default: the newest).', '--content DIR': 'Content folder (default: content).' },
  examples: ['newsletter preview-props'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  const { props, file } = await loadIssue({ file: positionals[0], contentDir: values.content });
  await writePreviewProps(resolve(PREVIEW_PROPS_FILE), props);
  console.log(`✔ ${PREVIEW_PROPS_FILE} now previews ${file}`);
  return EXIT.OK;
}
