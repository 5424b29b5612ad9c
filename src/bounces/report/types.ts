/** One recipient named in a bounce or complaint. */
export interface ReportRecipient {
  /** Final-Recipient (address type stripped), else Original-Recipient, else the address the prose names; domain lowercased. */
  address?: string;
  originalRecipient?: string;
  /** RFC 3464 §2.3.3 Action; prose bounces: 'failed' unless the text says it is a delay/warning. */
  action?: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';
  /** RFC 3463 status, e.g. "5.1.1": from Status:, else from the diagnostic or prose (a bare 5xx/4xx reply → "5.0.0"/"4.0.0"). */
  status?: string;
  /** Diagnostic-Code without its "smtp;" type, on one line, ≤ 300 characters; for prose bounces the server's reply line(s). */
  diagnostic?: string;
  /** Status class 5 (or a 5xx reply) = true; class 4 or 2 = false; a failure without any code = true; a complaint = true. */
  permanent: boolean;
}

/** The headers of the message a report is about. */
export interface OriginalMessage {
  messageId?: string;
  to: string[];
  from?: string;
  returnPath?: string;
  subject?: string;
  listId?: string;
}

export interface ClassifiedMessage {
  kind: 'bounce' | 'complaint' | 'auto-reply' | 'unknown';
  /** Which format was recognised: 'dsn', 'arf', 'postfix-prose', 'exim', 'exchange', 'gmail', 'yahoo', 'qmail', 'mailer-daemon', 'auto-submitted', 'out-of-office', 'challenge-response', or 'unknown'. */
  format: string;
  /** The report's own Message-ID header, '<…>' as written; undefined when it has none. */
  messageId?: string;
  /** Addresses the report was delivered to, lowercased: Delivered-To, X-Original-To, Envelope-To, X-Envelope-To, To. */
  deliveredTo: string[];
  /** Bounces: one per recipient block; complaints: one (the complained address, possibly unknown); otherwise []. */
  recipients: ReportRecipient[];
  /** The original message's headers, from the attached copy or the quoted headers of a prose bounce. */
  original?: OriginalMessage;
  /** ARF Feedback-Type (RFC 5965 §3.1, RFC 6430 not-spam, RFC 6591 auth-failure), lowercased. */
  feedbackType?: string;
  /** Why a message is 'unknown' (one line), or a note on a partial read (recipients capped). */
  reason?: string;
}
