import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadIssue } from '../../src/content/index.ts';
import { previewPropsSource } from '../../src/render/preview-props.ts';
import { ROOT } from '../helpers/content.ts';

it('the React Email preview (npm run dev) shows the newest real issue: the committed PreviewProps are up to date', async () => {
  const { props } = await loadIssue({ cwd: ROOT });
  const committed = readFileSync(join(ROOT, 'emails', 'preview-props.generated.ts'), 'utf8');
  expect(committed, 'run `npm run newsletter -- preview-props` and commit the result').toBe(previewPropsSource(props));
});
