/**
 * Child-process entry for the preview server: build one issue in a fresh
 * Node process (so edited emails/*.tsx and everything they import are read
 * anew) and send the result back over IPC. Started by rebuild.ts with
 * `node --import tsx`; the request comes as JSON in argv[2].
 */
import type { BuildRequest, BuildOutcome } from './rebuild.ts';

const request = JSON.parse(process.argv[2] ?? '{}') as BuildRequest;

async function build(): Promise<BuildOutcome> {
  try {
    // Imported here, not at the top, so a syntax error in a template becomes an outcome the page can show.
    const { buildIssue } = await import('../render/build.ts');
    const built = await buildIssue({ file: request.file, contentDir: request.contentDir });
    return { ok: true, built };
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown; where?: unknown; fix?: unknown; stack?: unknown; name?: unknown };
    const known = e?.name === 'NewsletterError';
    return {
      ok: false,
      error: {
        code: known && typeof e.code === 'string' ? e.code : undefined,
        message: typeof e?.message === 'string' ? e.message : String(error),
        where: typeof e?.where === 'string' ? e.where : undefined,
        fix: typeof e?.fix === 'string' ? e.fix : undefined,
        // Unknown errors (a template that throws, a syntax error) need their stack to be fixed.
        stack: !known && typeof e?.stack === 'string' ? e.stack : undefined,
      },
    };
  }
}

const outcome = await build();
// Disconnect once the message is flushed; with nothing else pending the process then ends by itself.
process.send?.(outcome, () => process.disconnect());
