/**
 * Preloaded into a `newsletter send` child (NODE_OPTIONS=--import) to stand in
 * for a slow disk under the state folder: every write to a file whose name
 * contains ".lock" takes LOCK_WRITE_DELAY_MS (default 1000) longer. A lock
 * race lives in a window of microseconds on an idle machine; on a loaded
 * machine or a network disk it is this wide, and the test must hold there too.
 * Only timing changes: the real files are written, by the real code.
 */
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

const delayMs = Number(process.env.LOCK_WRITE_DELAY_MS ?? 1000);
const open = fsp.open;
fsp.open = async function (path, ...rest) {
  const fh = await open.call(this, path, ...rest);
  if (String(path).includes('.lock')) {
    for (const name of ['write', 'writeFile']) {
      const original = fh[name];
      fh[name] = async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return original.apply(fh, args);
      };
    }
  }
  return fh;
};
// Named ESM imports (`import { open } from 'node:fs/promises'`) see the patched function too.
syncBuiltinESMExports();
