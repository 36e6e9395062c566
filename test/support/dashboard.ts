/**
 * Dashboard sign-in for tests, the way a person does it: `/pulse dashboard` as a signed Slack
 * request, the link from the ephemeral reply, the confirmation POST, the session cookie.
 */
import request from 'supertest';
import { recordSecret } from './log-capture';
import type { PulseWorld } from './pulse-world';
import { slashCommand } from './pulse-world';

export interface DashboardSession {
  /** `pulsedesk_session=<id>`, ready for a Cookie header. */
  cookie: string;
  /** The raw Set-Cookie header the sign-in answered with. */
  setCookie: string;
  csrf: string;
}

/** The token of the link `/pulse dashboard` replies with, or the reply itself when refused. */
export async function dashboardLink(
  world: PulseWorld,
  userId: string,
): Promise<{ token?: string; reply: string }> {
  const res = await slashCommand(world, { command: '/pulse', text: 'dashboard', userId });
  if (res.status !== 200) throw new Error(`/pulse dashboard answered ${res.status}: ${res.text}`);
  const match = /\/auth\/link\/([A-Za-z0-9_-]{20,})/.exec(res.text);
  recordSecret(match?.[1]);
  return { token: match?.[1], reply: res.text };
}

export function csrfFrom(html: string): string {
  const match = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
  if (!match) throw new Error('the page carries no CSRF token');
  return match[1];
}

/** Redeems the link; fails the test unless it starts a session. */
export async function redeem(appUrl: string, token: string): Promise<DashboardSession> {
  const res = await request(appUrl).post('/auth/link').type('form').send({ token });
  if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${res.text}`);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '';
  const cookie = setCookie.split(';')[0];
  recordSecret(cookie.split('=')[1]);
  const page = await request(appUrl).get('/').set('Cookie', cookie);
  if (page.status !== 200) throw new Error(`the overview answered ${page.status}: ${page.text}`);
  return { cookie, setCookie, csrf: csrfFrom(page.text) };
}

export async function signInThroughSlack(
  world: PulseWorld,
  userId: string,
): Promise<DashboardSession> {
  const { token, reply } = await dashboardLink(world, userId);
  if (!token) throw new Error(`no link in the reply: ${reply}`);
  return redeem(world.t.url, token);
}
