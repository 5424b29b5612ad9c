import { EXIT, type ExitCode } from '../../errors.ts';
import { cancelCampaign } from '../../queue/index.ts';
import { CAMPAIGN_OPTIONS, campaignCommand, REQUIRED_CAMPAIGN_HELP, withCampaign } from '../campaign.ts';
import { parseCommandArgs, type CommandSpec } from '../command.ts';

export const spec = {
  name: 'cancel',
  summary:
    'Cancel a campaign in Redis, for good: its waiting batches are removed and the workers send nothing more of it once the messages in flight are done. It cannot be resumed (`newsletter pause` can), so the campaign must be named (`newsletter status` shows the newest).',
  usage: 'cancel --queue URL --campaign ID',
  options: CAMPAIGN_OPTIONS,
  help: REQUIRED_CAMPAIGN_HELP,
  ends: { errors: ['EUSAGE', 'EQUEUE'] },
  examples: ['newsletter cancel --queue redis://127.0.0.1:6379/0 --campaign 2026-03-01-send-fixture--subscribers'],
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export async function run(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(spec, argv);
  return withCampaign('cancel', values, positionals, async (target) => {
    const { before } = await cancelCampaign(target.redis, target.id);
    const what = before === 'cancelled' ? 'was already cancelled' : 'cancelled: its waiting batches are removed; the workers send nothing more of it';
    console.log(`■ Campaign ${target.id} ${what}.\n  what was sent: ${campaignCommand('status', target)}`);
    return EXIT.OK;
  }, { campaignRequired: true });
}
