/**
 * The migration CLI, over the same config and database bootstrap as the app (so it works on the
 * embedded database too):
 *   migrate run                 apply pending migrations (what the app does at boot)
 *   migrate revert              undo the latest one
 *   migrate generate <Name>     write migrations/<ms>-<Name>.ts (empty up and down, for raw
 *                               SQL) and list it in migrations/index.ts
 *
 * Why no entity diff: the schema is written as SQL (named constraints, expression indexes,
 * checks) that TypeORM's entity metadata cannot express, so its diff proposes dropping and
 * recreating them. A migration here is written by hand and reviewed like code.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../config/config';
import { migrate, openDatabase, revert } from '../database/database';

const ROOT = path.resolve(__dirname, '../../..');

function migrationSource(name: string, timestamp: number): string {
  return `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${timestamp} implements MigrationInterface {
  name = '${name}${timestamp}';

  async up(q: QueryRunner): Promise<void> {
    await q.query(\`\`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(\`\`);
  }
}
`;
}

function generate(name: string, now: number): string {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    throw new Error('Name the migration in PascalCase, e.g. AddSurveys');
  }
  const file = path.join(ROOT, 'migrations', `${now}-${name}.ts`);
  fs.writeFileSync(file, migrationSource(name, now));
  const index = path.join(ROOT, 'migrations', 'index.ts');
  const source = fs
    .readFileSync(index, 'utf8')
    .replace(
      /\n\nexport const MIGRATIONS = \[/,
      `\nimport { ${name}${now} } from './${now}-${name}';\n\nexport const MIGRATIONS = [`,
    )
    .replace(/\];\s*$/, `, ${name}${now}];\n`);
  fs.writeFileSync(index, source);
  return path.relative(ROOT, file);
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  if (command === 'generate') {
    if (!name) throw new Error('Usage: npm run migration:generate -- <Name>');
    process.stdout.write(`Wrote ${generate(name, Date.now())}: write its SQL, then run it.\n`);
    return;
  }
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    switch (command) {
      case 'run': {
        const applied = await migrate(database.url);
        process.stdout.write(
          applied.length ? `Applied ${applied.join(', ')}\n` : 'Nothing to apply.\n',
        );
        break;
      }
      case 'revert': {
        const reverted = await revert(database.url);
        process.stdout.write(reverted ? `Reverted ${reverted}\n` : 'No migration to revert.\n');
        break;
      }
      default:
        throw new Error('Usage: migrate run | revert | generate <Name>');
    }
  } finally {
    await database.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(
    `${err instanceof ConfigError ? err.message : (err.stack ?? err.message)}\n`,
  );
  process.exit(1);
});
