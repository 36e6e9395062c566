import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MigrationInterface } from 'typeorm';
import { MIGRATIONS } from '../../migrations';

// migrations/index.ts is maintained by hand; this checks it against the folder so that a
// migration file that was never listed (and so never runs) cannot land.

const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');
const MIGRATION_FILE = /^(\d{13})-([A-Za-z][A-Za-z0-9]*)\.ts$/;

type MigrationClass = new () => MigrationInterface;

interface MigrationFile {
  file: string;
  timestamp: string;
  exported: MigrationClass[];
}

function isSupportFile(file: string): boolean {
  return (
    file === 'index.ts' || /\.(spec|int-spec|e2e-spec)\.ts$/.test(file) || file.endsWith('.d.ts')
  );
}

function migrationFiles(): MigrationFile[] {
  return fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((file) => MIGRATION_FILE.test(file))
    .sort()
    .map((file) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(path.join(MIGRATIONS_DIR, file)) as Record<string, unknown>;
      return {
        file,
        timestamp: MIGRATION_FILE.exec(file)![1],
        exported: Object.values(module).filter(
          (value): value is MigrationClass => typeof value === 'function',
        ),
      };
    });
}

describe('migrations/index.ts', () => {
  const files = migrationFiles();

  it('finds the migrations folder and at least the foundation migration', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.map((f) => f.file)).toContain('1764096000000-Foundation.ts');
  });

  it('names every migration file <13-digit timestamp>-<Name>.ts', () => {
    const misnamed = fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((file) => file.endsWith('.ts') && !isSupportFile(file) && !MIGRATION_FILE.test(file));
    expect(misnamed).toEqual([]);
  });

  it('exports exactly one migration class from each file', () => {
    for (const { file, exported } of files) {
      expect([file, exported.length]).toEqual([file, 1]);
    }
  });

  it('lists every migration file, and nothing else, in timestamp order', () => {
    const listedFiles = MIGRATIONS.map((migration) => {
      const owner = files.find((f) => f.exported.includes(migration));
      return owner?.file ?? `(not from a migration file: ${migration.name})`;
    });
    expect(listedFiles).toEqual(files.map((f) => f.file));
  });

  it('has no timestamp twice', () => {
    const timestamps = files.map((f) => f.timestamp);
    expect(new Set(timestamps).size).toBe(timestamps.length);
  });

  it("ends each class's name and each migration's name with the file's timestamp", () => {
    for (const { file, timestamp, exported } of files) {
      for (const migration of exported) {
        expect([file, migration.name.endsWith(timestamp)]).toEqual([file, true]);
        const instanceName = new migration().name ?? migration.name;
        expect([file, instanceName.endsWith(timestamp)]).toEqual([file, true]);
      }
    }
  });
});
