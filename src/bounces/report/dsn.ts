/**
 * RFC 3464 delivery status notifications: the message/delivery-status part, or its RFC 6533
 * UTF-8 sibling message/global-delivery-status, read into one ReportRecipient per recipient block.
 */
import { field, parseFieldBlocks, type FieldBlock } from './fields.ts';
import { cleanDiagnostic, findStatus, isPermanent, normalizeAddress, statusFromField } from './status.ts';
import type { ReportRecipient } from './types.ts';

/** Part types holding the machine-readable report (RFC 3464 §2.1, RFC 6533 §5). */
export const DELIVERY_STATUS_TYPES = ['message/delivery-status', 'message/global-delivery-status'] as const;

/** A report naming more recipients is read up to here: no list mail goes out in one envelope to more. */
export const MAX_RECIPIENTS = 1000;
/** 1,000 recipient blocks are ~500 kB; anything past this is not a real report. */
const MAX_STATUS_CHARS = 2 * 1024 * 1024;

/** RFC 3464 §2.3.3 action-value. */
const ACTIONS = new Set<ReportRecipient['action']>(['failed', 'delayed', 'delivered', 'relayed', 'expanded']);

export interface DeliveryStatus {
  recipients: ReportRecipient[];
  /** Set when part of the report was not read (too many recipient blocks, or a part too large). */
  note?: string;
}

/** Reads every recipient block of a delivery-status part (UTF-8 for the global form, ASCII in practice for the other). */
export function readDeliveryStatus(content: Buffer): DeliveryStatus {
  const text = content.subarray(0, MAX_STATUS_CHARS).toString('utf8');
  // One per-message block, then recipient blocks (RFC 3464 §2.1); room for both.
  const { blocks, truncated } = parseFieldBlocks(text, MAX_RECIPIENTS + 1);
  const recipientBlocks = blocks.filter(isRecipientBlock);
  const recipients = recipientBlocks.slice(0, MAX_RECIPIENTS).map(readRecipient);
  if (truncated || recipientBlocks.length > MAX_RECIPIENTS) return { recipients, note: `more than ${MAX_RECIPIENTS} recipient blocks: only the first ${MAX_RECIPIENTS} read` };
  if (content.length > MAX_STATUS_CHARS) return { recipients, note: `delivery-status part over ${MAX_STATUS_CHARS / 1024 / 1024} MB: only its start read` };
  return { recipients };
}

/** RFC 3464 §2.3: a recipient block has Final-Recipient (required) or at least Original-Recipient. */
function isRecipientBlock(block: FieldBlock): boolean {
  return block.has('final-recipient') || block.has('original-recipient');
}

function readRecipient(block: FieldBlock): ReportRecipient {
  const finalRecipient = normalizeAddress(field(block, 'final-recipient'));
  const originalRecipient = normalizeAddress(field(block, 'original-recipient'));
  const actionValue = field(block, 'action')?.split(/[\s(]/)[0]?.toLowerCase();
  const action = ACTIONS.has(actionValue as ReportRecipient['action']) ? (actionValue as ReportRecipient['action']) : undefined;
  const diagnostic = cleanDiagnostic(field(block, 'diagnostic-code'));
  // Status: wins (RFC 3464 §2.3.4 makes it required); a DSN without one falls back on the diagnostic.
  const status = statusFromField(field(block, 'status')) ?? findStatus(diagnostic);
  const recipient: ReportRecipient = { permanent: isPermanent(status, action) };
  const address = finalRecipient ?? originalRecipient;
  if (address) recipient.address = address;
  if (originalRecipient) recipient.originalRecipient = originalRecipient;
  if (action) recipient.action = action;
  if (status) recipient.status = status;
  if (diagnostic) recipient.diagnostic = diagnostic;
  return recipient;
}
