// ESLint: typescript-eslint's type-checked recommended rules everywhere, and the rooms of
// src/ with the arrows between them (README "Layout") enforced by eslint-plugin-boundaries.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/** Folders under src/, each one room whose index.ts is its door. */
const ROOMS = [
  'cli', 'preview', 'check', 'queue', 'bounces', 'stats', 'send', 'export', 'unsubscribe', 'webhooks', 'mail', 'audience', 'config',
  'redis', 'render', 'personalize', 'content', 'output', 'browser', 'clients', 'archive', 'assets',
];

/** Low-level code any room may use: src/errors.ts, src/paths.ts, src/output/, src/browser/. */
const SHARED = ['shared', 'output', 'browser'];

/**
 * Which rooms each room may import (arrows point down only). A room is free inside itself;
 * the rule only sees imports that cross into another room.
 */
const ARROWS = {
  cli: [...ROOMS.filter((room) => room !== 'cli'), 'shared', 'emails'],
  preview: ['check', 'clients', 'mail', 'audience', 'config', 'render', 'personalize', 'content', ...SHARED],
  // Real mail clients (Thunderbird, Evolution) render the message the check composes.
  check: ['clients', 'mail', 'audience', 'config', 'render', 'personalize', 'content', ...SHARED],
  // Reading the bounce mailbox looks recipients up in the send journals (VERP tokens, our Message-IDs); stats reads them too.
  // The distributed send: enqueue a campaign in Redis (BullMQ), workers deliver it with send's delivery loop.
  queue: ['send', 'redis', 'mail', 'audience', 'config', 'content', ...SHARED],
  bounces: ['send', 'redis', 'mail', 'audience', 'config', ...SHARED],
  stats: ['send', 'audience', 'content', ...SHARED],
  send: ['mail', 'audience', 'config', 'render', 'personalize', 'content', ...SHARED],
  export: ['mail', 'audience', 'config', 'render', 'personalize', 'content', ...SHARED],
  unsubscribe: ['webhooks', 'redis', 'mail', 'audience', 'config', 'render', 'personalize', 'content', ...SHARED],
  // ESP webhooks (SES/SNS, SendGrid, Mailgun, Postmark): verified, then recorded in the audience's feedback ledger.
  webhooks: ['audience', 'config', ...SHARED],
  // The --queue URL, the Redis keys, the suppression list shared across machines.
  redis: ['audience', 'config', 'content', ...SHARED],
  mail: ['audience', 'config', 'render', 'personalize', 'content', ...SHARED],
  audience: ['config', 'content', ...SHARED],
  config: ['content', ...SHARED],
  // The web archive: every issue as a web page (the web version's neutral merge fields), index, feeds, sitemap.
  archive: ['export', 'render', 'assets', 'personalize', 'content', ...SHARED],
  render: ['emails', 'assets', 'personalize', 'content', ...SHARED],
  // Local images next to an issue file, processed with sharp into hashed JPEG/PNG files.
  assets: ['content', ...SHARED],
  emails: ['content'],
  personalize: ['content', ...SHARED],
  content: ['shared'],
  output: ['shared'],
  browser: ['shared'],
  // Thunderbird over Marionette and Evolution under Xvfb: they take an .eml and know nothing of issues.
  clients: ['shared'],
  shared: [],
};

/** Every element type: the rooms, the templates and the shared root files. */
const ELEMENTS = [...ROOMS, 'emails', 'shared'];

/** The files another room may import: each room's door, and the two shared root files. */
const ENTRIES = {
  room: 'index.ts',
  emails: ['newsletter.tsx', 'components/theme.ts'],
  shared: ['errors.ts', 'paths.ts'],
};

const boundariesSettings = {
  'boundaries/elements': [
    ...ROOMS.map((room) => ({ type: room, pattern: `src/${room}`, partialMatch: false })),
    { type: 'emails', pattern: 'emails', partialMatch: false },
    // Last, so a file in a room belongs to the room; what is left is src/errors.ts and src/paths.ts.
    { type: 'shared', pattern: 'src', partialMatch: false },
  ],
};

const UP_MESSAGE =
  "{{from.type}} may not import {{to.type}}: arrows point down only (ARROWS in eslint.config.js, the README's Layout)";

const boundariesRule = {
  default: 'disallow',
  message: UP_MESSAGE,
  // Last matching policy wins: arrows allow, then a wrong door is refused, then a wrong arrow is
  // refused again so that an import that is both reports the arrow (the bigger mistake).
  policies: [
    ...Object.entries(ARROWS).map(([from, to]) => ({
      from: { element: { type: from } },
      allow: { to: { element: { type: to } } },
    })),
    {
      disallow: { to: { element: { type: ROOMS, fileInternalPath: `!${ENTRIES.room}` } } },
      message: "import {{to.type}} through src/{{to.type}}/index.ts, not {{to.internalPath}}: a folder's index.ts is its whole public API",
    },
    {
      disallow: { to: { element: { type: 'emails', fileInternalPath: `!(${ENTRIES.emails.join('|')})` } } },
      message: `emails/ is entered at ${ENTRIES.emails.map((file) => `emails/${file}`).join(' or ')}, not {{to.internalPath}}`,
    },
    {
      disallow: { to: { element: { type: 'shared', fileInternalPath: `!(${ENTRIES.shared.join('|')})` } } },
      message: "src/{{to.internalPath}} is not shared: import its folder's index.ts",
    },
    ...Object.entries(ARROWS).flatMap(([from, to]) => {
      const refused = ELEMENTS.filter((type) => type !== from && !to.includes(type));
      return refused.length === 0 ? [] : [{ from: { element: { type: from } }, disallow: { to: { element: { type: refused } } }, message: UP_MESSAGE }];
    }),
  ],
};

/** The Node globals the plain JS files use (TypeScript files get theirs from @types/node). */
const NODE_GLOBALS = Object.fromEntries(
  ['process', 'console', 'URL', 'Buffer', 'setTimeout', 'clearTimeout', 'performance'].map((name) => [name, 'readonly']),
);

export default defineConfig(
  { ignores: ['dist/**', 'out/**', 'coverage/**', 'emails/_preview/**'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_` names a value taken only to be skipped (`for await (const _ of …)`, `{ SECRET: _drop, ...rest }`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Plain JS (the bin, the build script, a test preload, this file): tsc does not check JS
    // (no checkJs), so type-aware rules would only see `any`; the syntax rules still apply.
    files: ['**/*.{js,mjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: NODE_GLOBALS },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.stringContaining, expect.any…) are typed `any`, so every
      // `toMatchObject({ message: expect.stringContaining(…) })` would be an "unsafe assignment".
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'emails/**/*.{ts,tsx}'],
    plugins: { boundaries },
    settings: boundariesSettings,
    rules: { 'boundaries/dependencies': ['error', boundariesRule] },
  },
);
