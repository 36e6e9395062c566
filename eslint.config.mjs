// ESLint flat config: the NestJS defaults (typescript-eslint recommended + Prettier), and the
// module boundaries of docs/architecture.md ("Boundaries").
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Feature folders under src/. Everything else there is shared ground features build on. */
export const FEATURES = [
  'auth',
  'dashboard',
  'focus',
  'health',
  'home',
  'people',
  'pulse',
  'stories',
  'teams',
  'tokens',
  'workspaces',
];
/** Shared folders: they import no feature. */
export const SHARED = ['common', 'config', 'database', 'jobs', 'slack'];

/**
 * What a feature shows the others, relative to its folder: its services (behaviour), modules
 * (Nest wiring), `*.types.ts` and `dto/` (shapes), and the Slack action ids it answers
 * (`slack/*.slack-ids.ts`: another feature's Slack view may render a button this one handles).
 * Auth also shows its decorators, principal, guard and session cookie. Entities may be imported
 * as types only (`import type`): a service returns them, nobody else writes them.
 */
const PUBLIC =
  '[^/]+\\.(service|module|types)$|dto/|slack/[^/]+\\.slack-ids$' +
  '|principal$|auth\\.(guard|decorators)$|sessions/(session-cookie|sessions\\.(service|module))$';

const anyOf = (names) => `(${names.join('|')})`;
/** A relative import reaching into src/<name>/ from a file elsewhere under src/. */
const into = (names) => `^(\\.\\./)+${anyOf(names)}/`;

/** Rules for files of `feature`: other features only through their public files. */
function featureBoundary(feature, files = [`src/${feature}/**/*.ts`]) {
  const others = FEATURES.filter((f) => f !== feature);
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `${into(others)}(?!(${PUBLIC}))(?!.*\\.entity$)`,
              message:
                "Another feature's internals: use its service (or module, types, dto, slack ids). See docs/architecture.md, Boundaries.",
            },
            {
              regex: `${into(others)}.*\\.entity$`,
              allowTypeImports: true,
              message:
                "Another feature's entity, as a type only (`import type`). See docs/architecture.md, Boundaries.",
            },
          ],
        },
      ],
    },
  };
}

/**
 * Known debt, not a pattern to copy: the Slack install and connect flow (OAuth, the bot-token
 * lookup Bolt authorizes with) lives in slack/ but is workspace and people business. Until it
 * moves into a feature, these files may use other features as a feature may (public files
 * only); every other file of slack/ imports no feature.
 */
export const SLACK_INSTALL_FLOW = [
  'src/slack/slack.module.ts',
  'src/slack/slack-bolt.service.ts',
  'src/slack/slack-installation.service.ts',
];

/** Rules for files of a shared folder: no feature at all. */
function sharedBoundary(folder) {
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: into(FEATURES),
              message: `${folder}/ imports no feature: features depend on it, never the reverse. See docs/architecture.md, Boundaries.`,
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'jest.config.js', 'jest.faults.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  ...FEATURES.map((feature) => featureBoundary(feature)),
  ...SHARED.map((folder) => sharedBoundary(folder)),
  featureBoundary('slack', SLACK_INSTALL_FLOW),
  {
    // Unit specs may reach into what they test and build fixtures from other features.
    files: ['src/**/*.spec.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
