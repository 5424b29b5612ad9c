import { EXIT, type ExitCode } from '../../errors.ts';
import { pauseCampaign } from '../../queue/index.ts';
import { CAMPAIGN_HELP, CAMPAIGN_OPTIONS, campaignCommand, withCampaign } from '../campaign.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'pause',
  summary: 'Pause a campaign enqueued in Redis: every worker finishes the messages it has in flight and takes no more until `newsletter resume`.',
  usage: 'pause --queue URL [--campaign ID]',
  options: CAMPAIGN_OPTIONS,
  help: CAMPAIGN_HELP,
  ends: { errors: ['EUSAGE', 'EQUEUE'], reasons: ['campaignConflict'] },
  examples: ['newsletter pause --queue redis://127.0.0.1:6379/0', 'newsletter pause --queue redis://127.0.0.1:6379/0 --campaign 2026-03-01-send-fixture--subscribers'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  return withCampaign('pause', values, positionals, async (target) => {
    const { before } = await pauseCampaign(target.redis, target.id);
    const what = before === 'paused' ? 'was already paused' : 'paused: workers finish the messages in flight and take no more';
    console.log(`⏸ Campaign ${target.id} ${what}.\n  resume: ${campaignCommand('resume', target)}`);
    return EXIT.OK;
  });
}
