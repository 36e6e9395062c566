/**
 * Refusals of request shapes no route accepts, made before any route sees them: a repeated
 * query parameter (it arrives as an array where every route expects one value), and a JSON body
 * nested deeper than any API body is (class-transformer recurses into it until the stack
 * overflows). Both answer 400 in the contract's error shape.
 */
import type { NextFunction, Request, Response } from 'express';

/** Deeper than any body of the API (a survey is 4 levels deep). */
export const MAX_JSON_DEPTH = 16;

function refuse(res: Response, message: string): void {
  res.status(400).json({ statusCode: 400, error: 'Bad Request', message });
}

/** The depth of a parsed JSON value, walked without recursion. */
export function jsonDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, level]);
  }
  return deepest;
}

export function refuseRepeatedQuery(req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of Object.entries(req.query ?? {})) {
    if (Array.isArray(value) || (value !== null && typeof value === 'object')) {
      return refuse(res, `query parameter "${name}" must be given once, as a single value`);
    }
  }
  next();
}

export function refuseDeepJson(req: Request, res: Response, next: NextFunction): void {
  if (
    req.body &&
    typeof req.body === 'object' &&
    jsonDepth(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH
  ) {
    return refuse(res, `the body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  next();
}

/** Whether any key or string inside a parsed value holds U+0000, walked without recursion. */
export function holdsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return true;
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/**
 * Postgres text cannot hold U+0000: a NUL in a path, query or body reached the database as an
 * error (a 500; found by the fuzz suite). No route takes one, so it is refused up front.
 */
export function refuseNulText(req: Request, res: Response, next: NextFunction): void {
  if (/%00/.test(req.path) || holdsNul(req.query) || holdsNul(req.body)) {
    return refuse(res, 'the request holds a NUL character (U+0000), which no field accepts');
  }
  next();
}
