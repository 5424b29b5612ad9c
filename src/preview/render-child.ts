/**
 * Child-process entry for the preview server: build the issue (or check it)
 * in a fresh Node process, so edited emails/*.tsx and everything they import
 * are read anew, and send the result back over IPC. Started by rebuild.ts
 * with `node --import tsx`; argv: task, then the request as JSON.
 */
import type { BuildOutcome, BuildRequest, CheckOutcome, ChildError, ChildTask } from './rebuild.ts';

const task = (process.argv[2] ?? 'build') as ChildTask;
const request = JSON.parse(process.argv[3] ?? '{}') as BuildRequest;

function describe(error: unknown): ChildError {
  const e = error as { code?: unknown; message?: unknown; where?: unknown; fix?: unknown; stack?: unknown; name?: unknown } | undefined;
  const known = e?.name === 'NewsletterError';
  return {
    code: known && typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(error),
    where: typeof e?.where === 'string' ? e.where : undefined,
    fix: typeof e?.fix === 'string' ? e.fix : undefined,
    // Unknown errors (a template that throws, a syntax error) need their stack to be fixed.
    stack: !known && typeof e?.stack === 'string' ? e.stack : undefined,
  };
}

async function build(): Promise<BuildOutcome> {
  try {
    // Imported here, not at the top, so a syntax error in a template becomes an outcome the page can show.
    const { buildIssue } = await import('../render/index.ts');
    return { ok: true, built: await buildIssue({ file: request.file, contentDir: request.contentDir }) };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

/** What the preview needs from the check module (src/check/index.ts, owned by the check work). */
interface CheckModule {
  checkIssue(options: { file?: string | undefined; contentDir?: string | undefined }): Promise<{ counts: { error: number } }>;
  formatReport(report: unknown): string;
}
// A computed specifier: the check module is loaded only for the Check view.
const CHECK_MODULE = new URL('../check/index.ts', import.meta.url).href;

async function check(): Promise<CheckOutcome> {
  let mod: CheckModule;
  try {
    mod = (await import(CHECK_MODULE)) as CheckModule;
  } catch (error) {
    return { ok: false, error: { message: `The check module is not available: ${describe(error).message.split('\n')[0]}` } };
  }
  try {
    const report = await mod.checkIssue({ file: request.file, contentDir: request.contentDir });
    return { ok: true, text: mod.formatReport(report), errors: report.counts.error };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

const outcome = task === 'check' ? await check() : await build();
// Disconnect once the message is flushed; with nothing else pending the process then ends by itself.
process.send?.(outcome, () => process.disconnect());
