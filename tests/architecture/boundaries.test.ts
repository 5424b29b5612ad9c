import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/content.ts';

// Issue 11 item 3: the rooms of src/ and the arrows between them are enforced by `npm run lint`
// (eslint.config.js, eslint-plugin-boundaries). These snippets are linted as if they were files
// at `filePath` (which need not exist); the files they import do exist, as the rule requires.
let eslint: ESLint;
beforeAll(() => {
  // The boundary rule needs no type information: skipping it keeps each lint to milliseconds.
  eslint = new ESLint({ cwd: ROOT, overrideConfigFile: join(ROOT, 'eslint.config.js'), overrideConfig: tseslint.configs.disableTypeChecked });
});

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'boundaries/dependencies').map((m) => m.message);
}

describe('import boundaries (npm run lint)', () => {
  it.each([
    ['a room through its index.ts, down an arrow', 'src/check/foo.ts', "import { composeMessage } from '../mail/index.ts';"],
    ['a file of its own room', 'src/check/foo.ts', "import { finding } from './report.ts';"],
    ['a file deeper in its own room', 'src/export/foo.ts', "import { PLATFORMS } from './platforms/index.ts';"],
    ['the shared errors.ts from the lowest room', 'src/content/foo.ts', "import { NewsletterError } from '../errors.ts';"],
    ['the template from render', 'src/render/foo.ts', "import { Newsletter } from '../../emails/newsletter.tsx';"],
    ['the theme colours from render', 'src/render/foo.ts', "import { DARK } from '../../emails/components/theme.ts';"],
    ['content from a template', 'emails/foo.tsx', "import type { Block } from '../src/content/index.ts';"],
    ['any room from cli, lazily', 'src/cli/foo.ts', "export const load = () => import('../send/index.ts');"],
  ])('allows %s', async (_name, filePath, code) => {
    expect(await boundaryErrors(filePath, code)).toEqual([]);
  });

  it.each([
    ['a file behind another room’s index.ts', 'src/check/foo.ts', "import { x } from '../mail/message.ts';", /import mail through src\/mail\/index\.ts, not message\.ts/],
    ['a file behind the index.ts, from cli', 'src/cli/foo.ts', "import { x } from '../send/deliver.ts';", /import send through src\/send\/index\.ts, not deliver\.ts/],
    ['the template from check (it reads the theme through render)', 'src/check/foo.ts', "import { DARK } from '../../emails/components/theme.ts';", /check may not import emails/],
    ['a template’s inner component', 'src/render/foo.ts', "import { x } from '../../emails/components/blocks.tsx';", /emails\/ is entered at emails\/newsletter\.tsx or emails\/components\/theme\.ts/],
  ])('refuses %s', async (_name, filePath, code, message) => {
    const errors = await boundaryErrors(filePath, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['content → send', 'src/content/x.ts', "import { x } from '../send/index.ts';"],
    ['check → send, skipping the index too', 'src/check/foo.ts', "import { x } from '../send/deliver.ts';"],
    ['check → send, a type only', 'src/check/foo.ts', "import type { X } from '../send/index.ts';"],
    ['check → send, a dynamic import', 'src/check/foo.ts', "export const load = () => import('../send/index.ts');"],
    ['send → check (siblings)', 'src/send/foo.ts', "import { x } from '../check/index.ts';"],
    ['mail → send', 'src/mail/foo.ts', "import { x } from '../send/index.ts';"],
    ['audience → mail', 'src/audience/foo.ts', "import { x } from '../mail/index.ts';"],
    ['config → audience', 'src/config/foo.ts', "import { x } from '../audience/index.ts';"],
    ['render → mail', 'src/render/foo.ts', "import { x } from '../mail/index.ts';"],
    ['personalize → render', 'src/personalize/foo.ts', "import { x } from '../render/index.ts';"],
    ['content → personalize', 'src/content/foo.ts', "import { x } from '../personalize/index.ts';"],
    ['output → content', 'src/output/foo.ts', "import { x } from '../content/index.ts';"],
    ['a template → render', 'emails/foo.tsx', "import { x } from '../src/render/index.ts';"],
    ['content → the templates', 'src/content/foo.ts', "import { Newsletter } from '../../emails/newsletter.tsx';"],
  ])('refuses an import that points up or sideways: %s', async (_name, filePath, code) => {
    const errors = await boundaryErrors(filePath, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/may not import .*arrows point down only/);
  });
});
