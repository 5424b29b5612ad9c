import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { AddressIndex, issueTagText, returnPathTokens, verifyReturnPathToken } from '../audience/index.ts';
import { messageIds } from '../mail/index.ts';
import { journalNameParts, listJournals, scanJournal, type JournalRecord } from '../send/index.ts';
import { eachCampaignAddress, storedCampaigns, type CampaignStore } from './campaign-recipients.ts';

/** A recipient found in a send journal or a campaign in Redis: who, and for which issue. */
export interface JournalRecipient {
  email: string;
  slug: string;
}

/** A record of whom one send mailed for one issue: a journal file, or a campaign's state hash in Redis. */
interface MailedSource {
  kind: 'journal' | 'campaign';
  slug: string;
  /** What the return-path tokens of its issue start with (issueTagText). */
  tag: string;
  /** Each address it mailed, once, read afresh (nothing is held between tables). */
  each(visit: (email: string) => void): Promise<void>;
}

/** One issue's recipients: token → 1-based index into `emails` (a compact hash index, not a Map of strings). */
interface TokenTable {
  tokens: AddressIndex;
  emails: string[];
  slugs: string[];
}

/** Every recipient's Message-ID hex (the part before ".issue-N@") → 1-based index into `emails`. */
interface MessageIdTable {
  index: AddressIndex;
  emails: string[];
  slugs: string[];
}

/** Issues whose token tables are kept at once: bounces cluster around the latest issue or two. */
const TABLES_KEPT = 2;
/** issuesOf's value for an address mailed by journals or campaigns of more than one issue. */
const SEVERAL = 0xffffffff;

/**
 * Who was mailed, read from the send journals in the state folder and, with a
 * campaign store (`bounces --queue`), from the state hash of each campaign sent
 * through Redis, where queue mode keeps what the journal would. A
 * return-path token is matched by recomputing the tokens of the issue it is
 * tagged with (the address is not in the token, see audience/return-path.ts),
 * then verified in constant time; the tables are compact (about 80 MB for a
 * million recipients) and at most two issues' are kept. An address without a
 * token counts only if it was mailed (issuesOf), and a report that names no
 * address can be matched by our Message-ID (byMessageId).
 */
export class JournalRecipients {
  #sources: Promise<MailedSource[]> | undefined;
  readonly #tables = new Map<string, Promise<TokenTable>>();
  #mailed: Promise<{ index: AddressIndex; slugs: string[] }> | undefined;
  #byMessageId: Promise<MessageIdTable> | undefined;

  constructor(
    private readonly stateDir: string,
    private readonly listId: string,
    private readonly secret: string,
    private readonly onProblem: (where: string, why: string) => void = () => {},
    private readonly campaigns?: CampaignStore | undefined,
  ) {}

  /** How many send journals the state folder holds and campaigns the store (none of either: nothing can be matched). */
  async sourceCounts(): Promise<{ journals: number; campaigns: number }> {
    const sources = await this.#mailedSources();
    const journals = sources.filter((source) => source.kind === 'journal').length;
    return { journals, campaigns: sources.length - journals };
  }

  /** Where recipients are looked up, for the reasons a report is not applied. */
  get describe(): string {
    return this.campaigns ? `this state folder's send journals or the campaigns in Redis at ${this.campaigns.display}` : "this state folder's send journals";
  }

  /** The recipient a return-path token was made for, or undefined (a forged token, an issue whose journal is gone, a --test copy). */
  async byToken(token: string): Promise<JournalRecipient | undefined> {
    const tag = token.slice(0, 4);
    // A tag no journal or campaign has (forged, or another state folder) costs nothing and evicts no table.
    if (!(await this.#mailedSources()).some((source) => source.tag === tag)) return undefined;
    const table = await this.#tableFor(tag);
    const i = table.tokens.get(token.toLowerCase());
    if (!i) return undefined;
    const found = { email: table.emails[i - 1]!, slug: table.slugs[i - 1]! };
    // The index keys on a 64-bit hash of the token: the match is confirmed on the token itself.
    return verifyReturnPathToken(token, this.listId, found.slug, found.email, this.secret) ? found : undefined;
  }

  /** The issues (slugs) this address was mailed: empty when never, one slug, or `several`. */
  async issuesOf(email: string): Promise<{ mailed: false } | { mailed: true; slug?: string }> {
    this.#mailed ??= this.#mailedIndex();
    const { index, slugs } = await this.#mailed;
    const v = index.get(email.trim().toLowerCase());
    if (!v) return { mailed: false };
    return v === SEVERAL ? { mailed: true } : { mailed: true, slug: slugs[v - 1]! };
  }

  /**
   * The recipient whose message had this Message-ID (`<32 hex>.issue-N@domain>`, see mail/message.ts: the
   * hex is SHA-256 of the slug and the address), from an index of every recipient's, built once when needed.
   */
  async byMessageId(messageId: string): Promise<JournalRecipient | undefined> {
    const m = /^<?([0-9a-f]{32})\.issue-\d+@[^>\s]+>?$/.exec(messageId.trim());
    if (!m) return undefined;
    this.#byMessageId ??= this.#messageIdIndex();
    const { index, emails, slugs } = await this.#byMessageId;
    const i = index.get(m[1]!);
    return i ? { email: emails[i - 1]!, slug: slugs[i - 1]! } : undefined;
  }

  async #messageIdIndex(): Promise<MessageIdTable> {
    const table: MessageIdTable = { index: new AddressIndex(1024), emails: [], slugs: [] };
    for (const source of await this.#mailedSources()) {
      // The hex part of messageIds(slug, n, domain)(email) does not depend on n or the domain.
      const idOf = messageIds(source.slug, 0, 'x');
      await source.each((email) => {
        table.emails.push(email);
        table.slugs.push(source.slug);
        table.index.add(idOf(email).slice(1, 33), table.emails.length);
      });
    }
    return table;
  }

  #mailedSources(): Promise<MailedSource[]> {
    this.#sources ??= this.#listSources();
    return this.#sources;
  }

  async #listSources(): Promise<MailedSource[]> {
    const sources = await journalSources(this.stateDir, this.listId, this.onProblem);
    const store = this.campaigns;
    if (!store) return sources;
    for (const campaign of await storedCampaigns(store, this.onProblem)) {
      sources.push({ kind: 'campaign', slug: campaign.slug, tag: issueTagText(this.listId, campaign.slug), each: (visit) => eachCampaignAddress(store, campaign, visit) });
    }
    return sources;
  }

  #tableFor(tag: string): Promise<TokenTable> {
    let table = this.#tables.get(tag);
    if (table) {
      // Most recently used last.
      this.#tables.delete(tag);
    } else {
      table = this.#tokensFor(tag);
      if (this.#tables.size >= TABLES_KEPT) this.#tables.delete(this.#tables.keys().next().value!);
    }
    this.#tables.set(tag, table);
    return table;
  }

  async #tokensFor(tag: string): Promise<TokenTable> {
    const table: TokenTable = { tokens: new AddressIndex(1024), emails: [], slugs: [] };
    for (const source of await this.#mailedSources()) {
      if (source.tag !== tag) continue;
      const tokenOf = returnPathTokens(this.listId, source.slug, this.secret);
      await source.each((email) => {
        table.emails.push(email);
        table.slugs.push(source.slug);
        table.tokens.add(tokenOf(email), table.emails.length);
      });
    }
    return table;
  }

  async #mailedIndex(): Promise<{ index: AddressIndex; slugs: string[] }> {
    const index = new AddressIndex(1024);
    const slugs: string[] = [];
    for (const source of await this.#mailedSources()) {
      slugs.push(source.slug);
      const n = slugs.length;
      await source.each((email) => {
        const key = email.toLowerCase();
        const v = index.get(key);
        if (!v) index.add(key, n);
        else if (v !== SEVERAL && slugs[v - 1] !== source.slug) index.set(key, SEVERAL);
      });
    }
    return { index, slugs };
  }
}

/** The journals with the issue each was written for: its first line's run record, else its file name. */
async function journalSources(stateDir: string, listId: string, onProblem: (where: string, why: string) => void): Promise<MailedSource[]> {
  const files: MailedSource[] = [];
  for (const path of await listJournals(stateDir, onProblem)) {
    const slug = (await firstRunIssue(path)) ?? journalNameParts(path)?.slug;
    if (slug) files.push({ kind: 'journal', slug, tag: issueTagText(listId, slug), each: (visit) => eachAddress(path, visit) });
    else onProblem(path, 'no run record and not a journal file name: not read');
  }
  return files;
}

/** The issue slug of the journal's first line, its run record (the send writes it first). */
async function firstRunIssue(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const record = JSON.parse(buffer.toString('utf8', 0, bytesRead).split('\n', 1)[0] ?? '') as Partial<JournalRecord>;
    return record.s === 'run' && typeof record.issue === 'string' ? record.issue : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** Every address the journal holds a sending/sent/failed record for (each once per journal). */
async function eachAddress(path: string, visit: (email: string) => void): Promise<void> {
  const seen = new AddressIndex(1024);
  await scanJournal(path, (record) => {
    if (record.s !== 'sending' && record.s !== 'sent' && record.s !== 'failed') return;
    const key = record.e.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key, 1);
    visit(record.e);
  });
}
