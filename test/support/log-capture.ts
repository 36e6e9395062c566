/**
 * The suite-wide check that no credential reaches a log line. Every app a test starts writes
 * its log where it always does (an in-process app: the stream test-app.ts gives its logger; a
 * child process: its stdout and stderr, read by app-process.ts), and the harness appends what
 * it read to a capture file of its worker. What the tests hand out or are handed (the signing
 * secret, the admin token, encryption keys, the stand-in's xoxb-/xoxp-/xapp- tokens and OAuth
 * codes, session cookies and sign-in links) is appended to a ledger beside it. At the end of the
 * run, globalTeardown scans every capture file for every ledger entry, and for anything shaped
 * like a Slack token, and fails the run naming the file and line (never the secret).
 *
 * The app is not told: it logs as in production. Outside jest (benchmarks) nothing is recorded.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Set by globalSetup: the directory of this run's capture files. */
export const LOG_CAPTURE_ENV = 'PD_LOG_CAPTURE_DIR';

function dir(): string | undefined {
  return process.env[LOG_CAPTURE_ENV];
}

/** Appends what an app logged (one or more lines) to this worker's capture file. */
export function captureLog(text: string): void {
  const d = dir();
  if (d && text)
    fs.appendFileSync(
      path.join(d, `log-${process.pid}.log`),
      text.endsWith('\n') ? text : `${text}\n`,
    );
}

/** Records a credential the tests issued or were given; no log line may contain it. */
export function recordSecret(...values: (string | undefined)[]): void {
  const d = dir();
  const kept = values.filter((v): v is string => typeof v === 'string' && v.length >= 8);
  if (d && kept.length)
    fs.appendFileSync(
      path.join(d, `secrets-${process.pid}.txt`),
      kept.map((v) => `${v}\n`).join(''),
    );
}

/** Anything shaped like a Slack token is a finding, whether or not the ledger has it. */
const SLACK_TOKEN = /xox[abposr]-[A-Za-z0-9-]{8,}|xapp-\d-[A-Za-z0-9-]{8,}/;
const WORD = /[A-Za-z0-9_-]+/g;

export interface Finding {
  file: string;
  line: number;
  what: string;
}

/**
 * The lines of `text` holding a secret: a Slack-token shape, or a ledger entry. Entries made of
 * word characters are matched as whole words (a set lookup per word); others by substring.
 */
export function scanLog(file: string, text: string, secrets: Iterable<string>): Finding[] {
  const words = new Set<string>();
  const others: string[] = [];
  for (const s of secrets) {
    if (/^[A-Za-z0-9_-]+$/.test(s)) words.add(s);
    else others.push(s);
  }
  const findings: Finding[] = [];
  text.split('\n').forEach((line, i) => {
    const token = SLACK_TOKEN.exec(line);
    if (token) {
      findings.push({ file, line: i + 1, what: `a Slack token (${token[0].slice(0, 5)}…)` });
      return;
    }
    for (const word of line.match(WORD) ?? []) {
      if (words.has(word)) {
        findings.push({ file, line: i + 1, what: `a recorded secret (${mask(word)})` });
        return;
      }
    }
    const other = others.find((s) => line.includes(s));
    if (other) findings.push({ file, line: i + 1, what: `a recorded secret (${mask(other)})` });
  });
  return findings;
}

function mask(secret: string): string {
  return `${secret.slice(0, 3)}…${secret.length} chars`;
}

/** Scans a capture directory; the findings of every worker's files. */
export function scanCaptureDir(d: string): Finding[] {
  const files = fs.readdirSync(d);
  const secrets = new Set<string>();
  for (const f of files.filter((f) => f.startsWith('secrets-'))) {
    for (const s of fs.readFileSync(path.join(d, f), 'utf8').split('\n')) if (s) secrets.add(s);
  }
  return files
    .filter((f) => f.startsWith('log-'))
    .flatMap((f) => scanLog(f, fs.readFileSync(path.join(d, f), 'utf8'), secrets));
}
