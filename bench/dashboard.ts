/**
 * bench/dashboard — the overview and the heatmap over the demo year, measured in Chromium: first
 * contentful paint and bytes transferred (cold cache, every response of the page load).
 *
 * Targets (issue 10): FCP ≤ 1 s and ≤ 300 KB per page.
 *
 *   npm run bench:dashboard      (builds, seeds `npm run demo` into a temporary DATA_DIR, starts
 *                                 the app there, signs in with the printed link, measures)
 *   env: BENCH_RUNS (loads per page, default 5; the median is reported), CHROMIUM_PATH
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_FCP_MS = 1000;
const TARGET_BYTES = 300 * 1024;
const PORT = 3000 + Math.floor(Math.random() * 2000);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulsedesk-bench-dashboard-'));
  const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(PORT) };
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  process.stdout.write('seeding the demo year…\n');
  const seeded = execFileSync(process.execPath, [path.join(ROOT, 'dist/src/cli/demo.js')], {
    cwd: ROOT,
    env,
  }).toString();
  const token = /\/auth\/link\/([A-Za-z0-9_-]+)/.exec(seeded)?.[1];
  if (!token) throw new Error(`no sign-in link in the demo's output:\n${seeded}`);
  const app: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js')], {
    cwd: ROOT,
    env: { ...env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${PORT}`;
  try {
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/health`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 600) throw new Error('the app did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    const signIn = await browser.newContext();
    const page = await signIn.newPage();
    await page.goto(`${base}/auth/link/${token}`);
    await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
    await page.waitForURL(`${base}/`);
    const state = await signIn.storageState();
    await signIn.close();
    let failed = false;
    for (const [name, url] of [
      ['overview', '/'],
      ['heatmap', '/heatmap'],
    ]) {
      const fcps: number[] = [];
      const sizes: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        // A fresh context each time: a cold cache, every byte counted.
        const context = await browser.newContext({ storageState: state });
        const p = await context.newPage();
        const cdp = await context.newCDPSession(p);
        await cdp.send('Network.enable');
        let bytes = 0;
        cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
          bytes += e.encodedDataLength;
        });
        await p.goto(`${base}${url}`, { waitUntil: 'networkidle' });
        const fcp = await p.evaluate(
          () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
        );
        fcps.push(fcp);
        sizes.push(bytes);
        await context.close();
      }
      const fcp = median(fcps);
      const bytes = median(sizes);
      const ok = fcp <= TARGET_FCP_MS && bytes <= TARGET_BYTES;
      failed ||= !ok;
      process.stdout.write(
        `${name.padEnd(9)} FCP ${fcp.toFixed(0)} ms (target ≤ ${TARGET_FCP_MS})  ` +
          `transferred ${(bytes / 1024).toFixed(1)} KB (target ≤ ${TARGET_BYTES / 1024})  ` +
          `${ok ? 'OK' : 'MISSED'}  [median of ${RUNS}]\n`,
      );
    }
    await browser.close();
    process.exitCode = failed ? 1 : 0;
  } finally {
    app.kill('SIGTERM');
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
