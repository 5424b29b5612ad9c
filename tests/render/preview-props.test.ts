import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '@react-email/render';
import { createElement } from 'react';
import { expect, it } from 'vitest';
import { Newsletter } from '../../emails/newsletter.tsx';
import { loadIssue, placeholder } from '../../src/content/index.ts';
import { previewPropsSource } from '../../src/render/preview-props.ts';
import { ROOT } from '../helpers/content.ts';

it('the React Email preview (npm run dev) shows the newest real issue: the committed PreviewProps are up to date', async () => {
  const { props } = await loadIssue({ cwd: ROOT });
  const committed = readFileSync(join(ROOT, 'emails', 'preview-props.generated.ts'), 'utf8');
  expect(committed, 'run `npm run newsletter -- preview-props` and commit the result').toBe(previewPropsSource(props));
});

it('the React Email preview shows merge fields as {{name}}, never as the private marks the real render uses', async () => {
  const { props } = await loadIssue({ cwd: ROOT });
  const marked = { ...props, issue: { ...props.issue, subject: `${placeholder('firstName')}, your brief` } };
  expect(previewPropsSource(marked)).toContain('"subject": "{{firstName}}, your brief"');
  const html = await render(createElement(Newsletter, Newsletter.PreviewProps));
  expect(html).toContain('Hi {{firstName}},');
  expect(html).toContain('href="{{unsubscribeUrl}}"');
  expect(html).not.toMatch(/[\uE000-\uE004]/);
});
