import * as fs from 'node:fs';
import type { DatabaseProvider } from './database-provider';
import { LOG_CAPTURE_ENV, scanCaptureDir } from './log-capture';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __pdProvider?: DatabaseProvider }).__pdProvider?.stop();
  const dir = process.env[LOG_CAPTURE_ENV];
  if (!dir || !fs.existsSync(dir)) return;
  const findings = scanCaptureDir(dir);
  if (findings.length === 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    return;
  }
  // Kept for the investigation; the message names where, never the secret itself.
  const shown = findings.slice(0, 20).map((f) => `  ${dir}/${f.file}:${f.line}: ${f.what}`);
  throw new Error(
    `A credential reached the app's logs in ${findings.length} line(s):\n${shown.join('\n')}`,
  );
}
