import { TYPICAL_RECIPIENT } from '../../check/index.ts';
import { loadSettings } from '../../config/index.ts';
import type { NewsletterProps } from '../../content/index.ts';
import { sampleValues } from '../../preview/index.ts';
import { buildIssue, PREVIEW_ENTRY, previewEntrySource, writePreviewEntry, type ImageAsset } from '../../render/index.ts';
import { EXIT, type ExitCode } from '../../errors.ts';
import { projectPath } from '../../paths.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

// PREVIEW_ENTRY is git-ignored: React Email's entry for `npm run dev` (see src/render/preview-props.ts).
export const spec = {
  name: 'preview-props',
  summary: `Write ${PREVIEW_ENTRY} from an issue, so the React Email preview (npm run dev) shows real content.`,
  usage: 'preview-props [ISSUE.md] [--content DIR]',
  options: { content: { type: 'string' } },
  help: {
    'ISSUE.md': 'The issue to show (default: the newest issue by date in content/issues/).',
    '--content DIR': 'Folder with newsletter.yml and issues/ (default: content).',
  },
  ends: { errors: ['EUSAGE', 'ECONTENT', 'ECONFIG'] },
  examples: ['newsletter preview-props'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

/**
 * The issue's own images as data: URLs, for React Email's preview only: they are not uploaded yet,
 * and its dev server serves nothing of ours. The entry is git-ignored and never sent.
 */
function withInlineImages(props: NewsletterProps, assets: readonly ImageAsset[]): NewsletterProps {
  if (!assets.length) return props;
  const inline = new Map(assets.map((a) => [a.url, `data:${a.type};base64,${Buffer.from(a.data).toString('base64')}`]));
  return JSON.parse(JSON.stringify(props, (_key, value: unknown) => (typeof value === 'string' ? (inline.get(value) ?? value) : value))) as NewsletterProps;
}

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  // UNSUBSCRIBE_URL as send, check and `preview` read it, so both previews show the same link.
  const sender = loadSettings().sender();
  const built = await buildIssue({ file: positionals[0], contentDir: values.content });
  const { file } = built;
  const props = withInlineImages(built.props, built.assets);
  // Check's typical reader, the one the committed fallback (emails/preview-props.ts) shows too.
  await writePreviewEntry(projectPath(PREVIEW_ENTRY), previewEntrySource(props, sampleValues(props, TYPICAL_RECIPIENT, sender), file));
  console.log(`✔ ${PREVIEW_ENTRY} now previews ${file} for ${TYPICAL_RECIPIENT.firstName} ${TYPICAL_RECIPIENT.lastName}, the sample subscriber of check`);
  return EXIT.OK;
}
