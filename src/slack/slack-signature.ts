/**
 * Slack's v0 request signing, checked before Bolt sees a request: refused on its headers alone
 * when it can be (no signature, a stale timestamp, a Content-Length over Slack's payload sizes);
 * at most SLACK_UNVERIFIED_IN_FLIGHT bodies being read and not yet verified at once (more get
 * 503, which Slack retries), so a flood of unsigned requests holds bounded memory; the body read
 * once (up to SLACK_BODY_LIMIT), `v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)` compared in
 * constant time, the timestamp within 5 minutes of now either way (a replayed request is
 * refused after that). A request that fails gets 401 with the contract's error body saying why,
 * and reaches nothing; one that passes carries its raw body on to Bolt's receiver
 * (`req.rawBody`), which parses it.
 *
 * Bolt's own check does the same but compares with `tsscmp` (two extra HMACs and random bytes
 * per request): a tenth of the app's CPU per answer in bench/pulse-ingest.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Slack's payloads are far smaller: a view_submission carries the whole modal (100 blocks at
 * most, 3,000 characters per input), a few hundred KB at worst. Bolt's own limit is 4 MB.
 */
export const SLACK_BODY_LIMIT = 1024 * 1024;
/** Unverified bodies read at once; past it, 503 until one is done (Slack retries). */
export const SLACK_UNVERIFIED_IN_FLIGHT = 64;
const MAX_SKEW_SECONDS = 5 * 60;

export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';
type Refusal = Exclude<SignatureCheck, 'ok'> | 'too_large' | 'unreadable' | 'busy';

/** What each refusal answers: the status and the contract's error body (never the request's). */
const REFUSALS: Record<Refusal, { status: number; error: string; message: string }> = {
  missing: {
    status: 401,
    error: 'Unauthorized',
    message: 'A Slack request needs X-Slack-Signature and X-Slack-Request-Timestamp',
  },
  stale: {
    status: 401,
    error: 'Unauthorized',
    message: 'The request was signed more than 5 minutes from now: refused as a replay',
  },
  mismatch: {
    status: 401,
    error: 'Unauthorized',
    message: 'The Slack signature does not match the signing secret',
  },
  too_large: {
    status: 413,
    error: 'Payload Too Large',
    message: `The body is over ${SLACK_BODY_LIMIT / 1024 / 1024} MB, more than Slack sends`,
  },
  unreadable: { status: 400, error: 'Bad Request', message: 'The request body could not be read' },
  busy: {
    status: 503,
    error: 'Service Unavailable',
    message: 'Too many Slack requests are being verified at once: retry in a second',
  },
};

function refuse(res: Response, why: Refusal): void {
  const { status, error, message } = REFUSALS[why];
  res.status(status).json({ statusCode: status, error, message });
}

/** Checks one request's v0 signature; `nowSeconds` is the current Unix time. */
export function checkSlackSignature(
  signingSecret: string,
  body: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  nowSeconds: number,
): SignatureCheck {
  const early = checkHeaders(signature, timestamp, nowSeconds);
  if (early || !signature) return early ?? 'missing';
  const expected = Buffer.from(
    `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'mismatch';
}

/** Express middleware for Slack's request URL; `onRefused` hears why (never the body). */
export function slackSignatureVerifier(
  signingSecret: string,
  onRefused: (why: Refusal) => void,
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  maxInFlight = SLACK_UNVERIFIED_IN_FLIGHT,
): RequestHandler {
  let inFlight = 0;
  return (req: Request, res: Response, next: NextFunction) => {
    const signature = header(req, 'x-slack-signature');
    const timestamp = header(req, 'x-slack-request-timestamp');
    // What the headers alone settle is refused before reading a body.
    const early = checkHeaders(signature, timestamp, nowSeconds());
    if (early) {
      onRefused(early);
      req.resume();
      refuse(res, early);
      return;
    }
    if (Number(req.headers['content-length']) > SLACK_BODY_LIMIT) {
      onRefused('too_large');
      res.set('Connection', 'close');
      refuse(res, 'too_large');
      return;
    }
    if (inFlight >= maxInFlight) {
      onRefused('busy');
      res.set({ 'Retry-After': '1', Connection: 'close' });
      refuse(res, 'busy');
      return;
    }
    inFlight += 1;
    let counted = true;
    const done = () => {
      if (counted) inFlight -= 1;
      counted = false;
    };
    readBody(req, SLACK_BODY_LIMIT).then(
      (body) => {
        done();
        const check = checkSlackSignature(signingSecret, body, signature, timestamp, nowSeconds());
        if (check !== 'ok') {
          onRefused(check);
          refuse(res, check);
          return;
        }
        (req as Request & { rawBody: Buffer }).rawBody = body;
        next();
      },
      (err: Error & { tooLarge?: boolean }) => {
        done();
        const why = err.tooLarge ? 'too_large' : 'unreadable';
        onRefused(why);
        if (res.headersSent || res.destroyed) return;
        // The rest of an oversized body is not read: the connection goes with the answer.
        if (err.tooLarge) res.set('Connection', 'close');
        refuse(res, why);
      },
    );
  };
}

function checkHeaders(
  signature: string | undefined,
  timestamp: string | undefined,
  nowSeconds: number,
): 'missing' | 'stale' | null {
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing';
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) return 'stale';
  return null;
}

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A declared Content-Length over the limit was refused before reading; this catches a body
    // that runs past it without one (chunked) or past what it declared.
    const tooLarge = () => Object.assign(new Error('body too large'), { tooLarge: true });
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
    // A client that goes away mid-body: nothing is left waiting.
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}
