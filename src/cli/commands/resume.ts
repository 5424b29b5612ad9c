import { EXIT, type ExitCode } from '../../errors.ts';
import { resumeCampaign } from '../../queue/index.ts';
import { CAMPAIGN_HELP, CAMPAIGN_OPTIONS, campaignCommand, withCampaign } from '../campaign.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'resume',
  summary: 'Resume a paused campaign in Redis: the workers take recipients again. A cancelled campaign cannot be resumed.',
  usage: 'resume --queue URL [--campaign ID]',
  options: CAMPAIGN_OPTIONS,
  help: CAMPAIGN_HELP,
  ends: { errors: ['EUSAGE', 'EQUEUE'], reasons: ['campaignConflict'] },
  examples: ['newsletter resume --queue redis://127.0.0.1:6379/0', 'newsletter resume --queue redis://127.0.0.1:6379/0 --campaign 2026-03-01-send-fixture--subscribers'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  return withCampaign('resume', values, positionals, async (target) => {
    const { before } = await resumeCampaign(target.redis, target.id);
    const what = before === 'active' ? 'was not paused; it is active' : 'resumed: the workers take recipients again';
    console.log(`▶ Campaign ${target.id} ${what}.\n  progress: ${campaignCommand('status', target)}`);
    return EXIT.OK;
  });
}
