/**
 * Auto-replies (RFC 3834) and challenge-responses: answers a machine wrote on a person's
 * behalf. They say nothing about whether the address works, so they are never bounces,
 * whatever the text says ("no longer with the company" included).
 */
import type { ParsedMail } from 'mailparser';
import { headerValue, notificationText } from './parts.ts';

export type AutoReplyFormat = 'challenge-response' | 'out-of-office' | 'auto-submitted';

/**
 * Headers auto-responders set, with the values that mean "automatic".
 * Auto-Submitted: RFC 3834 §5 (auto-replied, auto-generated) and RFC 5436 (auto-notified); "no" is a person.
 * X-Autoreply / X-Autorespond: vacation(1), cPanel, Zimbra and most hosted autoresponders.
 * Precedence: auto_reply: older autoresponders (RFC 3834 §3.1.8 notes it as non-standard).
 * X-Auto-Response-Suppress: Exchange on its own automatic messages (MS-OXCMAIL §2.2.3.2.14).
 */
function autoReplyHeader(mail: ParsedMail): 'auto-submitted' | 'other' | undefined {
  const lines = mail.headerLines;
  const submitted = headerValue(lines, 'auto-submitted')?.split(/[\s;(]/)[0]?.toLowerCase();
  if (submitted && submitted !== 'no') return 'auto-submitted';
  if (['x-autoreply', 'x-autorespond', 'x-autoresponder', 'x-auto-response-suppress'].some((name) => headerValue(lines, name) !== undefined)) return 'other';
  if (/^auto[_-]?reply$/i.test(headerValue(lines, 'precedence') ?? '')) return 'other';
  return undefined;
}

/**
 * Subjects of out-of-office and vacation replies: Outlook ("Automatic reply:", German
 * "Automatische Antwort:", "Abwesenheitsnotiz:", French "Réponse automatique :"), Lotus Notes
 * ("Auto:", "AUTO: … is out of the office"), and the usual hand-set wording.
 */
const OUT_OF_OFFICE_SUBJECT =
  /^\s*(?:auto(?:matic)?[ _-]?(?:reply|response|antwort)|automatische antwort|auto:|abwesenheitsnotiz|r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|automatisch antwoord|autosvar|out of (?:the )?office|ooo\b|(?:on )?vacation|away from (?:the |my )?office)|\b(?:out of (?:the )?office|on vacation|vacation (?:reply|notice|message|auto-?reply)|auto-?reply|autoresponder)\b/i;

/** Challenge-response systems asking the sender to prove they are a person (Boxbe, SpamArrest, Mailshell, Bluebottle, TMDA and the like). */
const CHALLENGE_SUBJECT = /please (?:confirm|verify) your (?:message|e-?mail|address)|verify your e-?mail address to deliver|request to join my guest list|\[challenge\]|sender verification required/i;
const CHALLENGE_BODY =
  /\b(?:boxbe|spam ?arrest|mailshell|bluebottle|tmda|spam filter requires you to verify|verify that you are (?:a )?(?:real )?(?:person|human)|(?:to|please) confirm (?:that )?you (?:are|sent)|add you to (?:my|the) (?:approved senders|guest list|whitelist|safe senders))\b/i;

export function autoReplyFormat(mail: ParsedMail): AutoReplyFormat | undefined {
  const subject = mail.subject ?? '';
  const headers = mail.headerLines;
  const challengeHeader = headers.some((line) => /^x-(?:spam-challenge|boxbe-|spamarrest|challenge|tmda)/.test(line.key));
  if (challengeHeader || CHALLENGE_SUBJECT.test(subject) || CHALLENGE_BODY.test(notificationText(mail).slice(0, 16 * 1024))) {
    return 'challenge-response';
  }
  const header = autoReplyHeader(mail);
  if (OUT_OF_OFFICE_SUBJECT.test(subject)) return 'out-of-office';
  if (header === 'auto-submitted') return 'auto-submitted';
  return header === 'other' ? 'out-of-office' : undefined;
}
