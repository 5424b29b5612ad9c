import { TYPICAL_RECIPIENT } from '../../check/index.ts';
import { loadIssue, type NewsletterProps } from '../../content/index.ts';
import { valuesFor } from '../../personalize/index.ts';
import { PREVIEW_ENTRY, previewEntrySource, writePreviewProps, type SampleValues } from '../../render/index.ts';
import { EXIT, type ExitCode } from '../../errors.ts';
import { projectPath } from '../../paths.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

// Git-ignored: React Email's entry for `npm run dev` (see PREVIEW_ENTRY in src/render).
export const PREVIEW_PROPS_FILE = PREVIEW_ENTRY;

export const spec = {
  name: 'preview-props',
  summary: `Write ${PREVIEW_PROPS_FILE} from an issue, so the React Email preview (npm run dev) shows real content.`,
  usage: 'preview-props [ISSUE.md] [--content DIR]',
  options: { content: { type: 'string' } },
  help: {
    'ISSUE.md': 'The issue to show (default: the newest issue by date in content/issues/).',
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT'] },
  examples: ['newsletter preview-props'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  const { props, file } = await loadIssue({ file: positionals[0], contentDir: values.content });
  await writePreviewProps(projectPath(PREVIEW_ENTRY), previewEntrySource(props, sampleValues(props), file));
  console.log(`✔ ${PREVIEW_PROPS_FILE} now previews ${file} for ${TYPICAL_RECIPIENT.firstName} ${TYPICAL_RECIPIENT.lastName}, the sample subscriber of check`);
  return EXIT.OK;
}

/** The merge fields as check's typical reader gets them; the unsubscribe token is visibly fake, as in `preview`. */
function sampleValues(props: NewsletterProps): SampleValues {
  const unsubscribe = new URL(props.newsletter.unsubscribeUrl);
  unsubscribe.searchParams.set('token', 'preview-sample-token');
  return valuesFor(props, TYPICAL_RECIPIENT, unsubscribe.href);
}
