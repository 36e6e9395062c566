/**
 * The module boundaries of docs/architecture.md are lint rules (eslint.config.mjs): a new import
 * across a boundary fails `npm run lint`, an allowed one passes. Source text is linted as if it
 * were a new file at the given path, with the repository's own configuration.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface Case {
  filePath: string;
  code: string;
}

/**
 * ESLint loads its flat config (an ES module) with import(), which Jest's module system does not
 * run: so the cases are linted by one plain Node process with ESLint's own API.
 */
function boundaryErrors(cases: Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: ${JSON.stringify(ROOT)} });
      const cases = JSON.parse(process.argv[1]);
      const out = [];
      for (const c of cases) {
        const [result] = await eslint.lintText(c.code, { filePath: c.filePath });
        out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[][];
}

const importing = (filePath: string, statement: string): Case => ({
  filePath: path.join(ROOT, filePath),
  code: `${statement}\nexport const used = [x];\n`,
});

describe('module boundaries (lint)', () => {
  let results: string[][];
  const cases = {
    blocksOfAnotherFeature: importing(
      'src/home/new-thing.ts',
      "import { refusedMessage as x } from '../focus/slack/focus.blocks';",
    ),
    repositoryOfAnotherFeature: importing(
      'src/pulse/new-thing.ts',
      "import { StoriesRepository as x } from '../stories/stories.repository';",
    ),
    entityValueOfAnotherFeature: importing(
      'src/focus/new-thing.ts',
      "import { PersonEntity as x } from '../people/person.entity';",
    ),
    featureFromShared: importing(
      'src/slack/new-thing.ts',
      "import { FocusService as x } from '../focus/focus.service';",
    ),
    featureTypesFromShared: importing(
      'src/jobs/new-thing.ts',
      "import type { QuestionDef as x } from '../pulse/pulse.types';",
    ),
    featureQueuesFromShared: importing(
      'src/common/new-thing.ts',
      "import { FOCUS_QUEUES as x } from '../focus/focus.queues';",
    ),
    // Allowed:
    serviceOfAnotherFeature: importing(
      'src/home/new-thing.ts',
      "import { FocusService as x } from '../focus/focus.service';",
    ),
    typesAndSlackIdsOfAnotherFeature: importing(
      'src/home/slack/new-thing.ts',
      "import { PULSE_ACTIONS as x } from '../../pulse/slack/pulse.slack-ids';\nimport type { Story } from '../../stories/stories.types';\nexport type S = Story;",
    ),
    entityTypeOfAnotherFeature: importing(
      'src/focus/new-thing.ts',
      "import type { PersonEntity as x } from '../people/person.entity';",
    ),
    ownInternals: importing(
      'src/focus/new-thing.ts',
      "import { refusedMessage as x } from './slack/focus.blocks';",
    ),
    sharedFromFeature: importing(
      'src/focus/new-thing.ts',
      "import { SLACK_EVENTS as x } from '../slack/slack.events';",
    ),
  };
  const names = Object.keys(cases) as (keyof typeof cases)[];
  const errorsOf = (name: keyof typeof cases) => results[names.indexOf(name)];

  beforeAll(() => {
    results = boundaryErrors(names.map((n) => cases[n]));
  }, 60_000);

  it.each([
    'blocksOfAnotherFeature',
    'repositoryOfAnotherFeature',
    'entityValueOfAnotherFeature',
  ] as const)("refuses a feature importing another feature's internals: %s", (name) => {
    expect(errorsOf(name)).toEqual([expect.stringMatching(/another feature's/i)]);
  });

  it.each(['featureFromShared', 'featureTypesFromShared', 'featureQueuesFromShared'] as const)(
    'refuses shared code importing any feature: %s',
    (name) => {
      expect(errorsOf(name)).toEqual([expect.stringMatching(/imports no feature/)]);
    },
  );

  it.each([
    'serviceOfAnotherFeature',
    'typesAndSlackIdsOfAnotherFeature',
    'entityTypeOfAnotherFeature',
    'ownInternals',
    'sharedFromFeature',
  ] as const)('allows %s', (name) => {
    expect(errorsOf(name)).toEqual([]);
  });
});
