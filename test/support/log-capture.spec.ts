import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureLog, LOG_CAPTURE_ENV, recordSecret, scanCaptureDir, scanLog } from './log-capture';

describe('the suite-wide log scan', () => {
  it('flags a planted recorded secret, a Slack token of any kind, and names the line', () => {
    const log = [
      '{"level":30,"msg":"ok","path":"/api/people"}',
      '{"level":40,"msg":"refused","why":"mismatch","sig":"s3cr3t-signing-value"}',
      '{"level":50,"err":"invalid_auth for xoxb-1234567890-abcdefghij"}',
      '{"level":50,"err":"bad app token xapp-1-A0123-456-abcdef0123"}',
      '{"level":30,"cookie":"pulsedesk_session=Zm9vYmFyYmF6cXV4"}',
      '{"level":30,"key":"q1w2+e3r4/t5y6=="}',
    ].join('\n');
    const findings = scanLog('log-1.log', log, [
      's3cr3t-signing-value',
      'Zm9vYmFyYmF6cXV4',
      'q1w2+e3r4/t5y6==',
    ]);
    expect(findings.map((f) => f.line)).toEqual([2, 3, 4, 5, 6]);
    // The report never repeats the secret.
    expect(JSON.stringify(findings)).not.toContain('s3cr3t-signing-value');
    expect(JSON.stringify(findings)).not.toContain('1234567890-abcdefghij');
  });

  it('does not flag a secret that is only part of a longer word, nor clean lines', () => {
    expect(
      scanLog('f', 'request id abc-s3cr3t-signing-value-xyz', ['s3cr3t-signing-value']),
    ).toEqual([]);
    expect(
      scanLog('f', '{"msg":"slack request refused","why":"stale"}', ['whatever-secret']),
    ).toEqual([]);
  });

  it('collects every worker file and ledger of a capture directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-scan-test-'));
    const saved = process.env[LOG_CAPTURE_ENV];
    process.env[LOG_CAPTURE_ENV] = dir;
    try {
      recordSecret('planted-admin-token-42');
      captureLog('{"msg":"fine"}\n{"msg":"leak","auth":"Bearer planted-admin-token-42"}');
      const findings = scanCaptureDir(dir);
      expect(findings).toEqual([
        {
          file: `log-${process.pid}.log`,
          line: 2,
          what: expect.stringContaining('recorded secret'),
        },
      ]);
    } finally {
      if (saved === undefined) delete process.env[LOG_CAPTURE_ENV];
      else process.env[LOG_CAPTURE_ENV] = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
