import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEEDBACK_FILE, SUPPRESSION_FILE, type FeedbackRecord } from '../../src/audience/index.ts';
import { startUnsubscribeServer, type UnsubscribeEvent, type UnsubscribeServer, type UnsubscribeServerOptions } from '../../src/unsubscribe/index.ts';
import type { WebhookConfig } from '../../src/webhooks/index.ts';

export const SECRET = 'webhook-test-secret-0123456789abcdef0123456789';
export const LIST = 'brief.example.com';
/** Our Message-ID for issue 7 (src/mail/message.ts): the webhooks hand it back, the ledger keeps "issue-7". */
export const OUR_MESSAGE_ID = '<0123456789abcdef0123456789abcdef.issue-7@news.example.com>';

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** The real unsubscribe server on 127.0.0.1:0 with a temp state folder, and what it wrote. */
export class Harness {
  private constructor(
    readonly state: string,
    readonly server: UnsubscribeServer,
    readonly events: UnsubscribeEvent[],
  ) {}

  static async start(webhooks: WebhookConfig, options: Partial<UnsubscribeServerOptions> = {}): Promise<Harness> {
    const state = await mkdtemp(join(tmpdir(), 'newsletter-webhooks-'));
    const events: UnsubscribeEvent[] = [];
    try {
      const server = await startUnsubscribeServer({ port: 0, stateDir: state, secret: SECRET, listId: LIST, webhooks, onEvent: (e) => events.push(e), ...options });
      return new Harness(state, server, events);
    } catch (error) {
      await rm(state, { recursive: true, force: true });
      throw error;
    }
  }

  async post(path: string, body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<Answer> {
    const res = await fetch(new URL(path, this.server.url), { method, headers, body: method === 'GET' ? undefined : body });
    return { status: res.status, text: await res.text(), headers: res.headers };
  }

  /** suppression.csv's records, or [] when it was never written. */
  async suppression(): Promise<string[]> {
    return (await this.read(SUPPRESSION_FILE))?.trim().split('\n').slice(1) ?? [];
  }

  /** feedback.jsonl's records, or [] when it was never written. */
  async ledger(): Promise<FeedbackRecord[]> {
    const text = (await this.read(FEEDBACK_FILE)) ?? '';
    return text.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as FeedbackRecord);
  }

  /** Both state files as they are, to show that a refused request changed nothing. */
  async files(): Promise<[string | undefined, string | undefined]> {
    return [await this.read(SUPPRESSION_FILE), await this.read(FEEDBACK_FILE)];
  }

  async close(): Promise<void> {
    await this.server.close();
    await rm(this.state, { recursive: true, force: true });
  }

  private async read(name: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.state, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
