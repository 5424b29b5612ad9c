import { brevo } from './brevo.ts';
import { kit } from './kit.ts';
import { listmonk } from './listmonk.ts';
import { mailchimp } from './mailchimp.ts';
import { mailgun } from './mailgun.ts';
import { postmark } from './postmark.ts';
import { resend } from './resend.ts';
import { sendgridCampaigns } from './sendgrid-campaigns.ts';
import { sendgridApi } from './sendgrid.ts';
import { ses } from './ses.ts';
import type { Platform } from './types.ts';

/** Every mail platform export knows, in the order `--platform all` writes them. */
export const PLATFORMS: readonly Platform[] = [mailchimp, sendgridCampaigns, sendgridApi, mailgun, postmark, brevo, ses, resend, listmonk, kit];

/** Older --platform names, kept working: `sendgrid` was the Mail Send API target before Single Sends had their own. */
export const PLATFORM_ALIASES: Readonly<Record<string, string>> = { sendgrid: 'sendgrid-api' };

export { mailgunRecipientVariables, type MailgunRecipient } from './mailgun.ts';
export type { Platform, TagContext, TagInput, TagTable } from './types.ts';
