/**
 * Walks a browser through an OAuth flow: the app's /slack/install or /slack/connect, the
 * stand-in's authorize page (approving as its authorizing user), then the app's callback —
 * carrying the app's cookie the way a browser would.
 */
import request from 'supertest';

export interface OAuthWalk {
  status: number;
  page: string;
  authorizeUrl: URL;
}

export async function walkOAuth(
  appUrl: string,
  start: '/slack/install' | '/slack/connect',
): Promise<OAuthWalk> {
  const begin = await request(appUrl).get(start).expect(302);
  const authorizeUrl = new URL(begin.headers.location);
  const cookies = ([] as string[])
    .concat(begin.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0]);
  const approve = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = new URL(approve.headers.get('location')!);
  const done = await request(appUrl)
    .get(`${callback.pathname}${callback.search}`)
    .set('Cookie', cookies.join('; '));
  return { status: done.status, page: done.text, authorizeUrl };
}
