/**
 * Dashboard sign-in and sessions over HTTP (docs/dashboard.md): `/pulse dashboard` links, their
 * single use and 15 minutes, the cookie's flags, idle and absolute expiry on the injected clock,
 * CSRF on cookie-borne writes (and none for bearer tokens), roles as on the API, sign-out.
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SessionsService } from '../../src/auth/sessions/sessions.service';
import {
  csrfFrom,
  dashboardLink,
  DashboardSession,
  redeem,
  signInThroughSlack,
} from '../support/dashboard';
import { pulseWorld, PulseWorld } from '../support/pulse-world';
import { startTestApp } from '../support/test-app';
import { TestClock } from '../support/test-clock';

const MINUTE = 60_000;

describe('dashboard sessions', () => {
  const clock = new TestClock(new Date());
  let w: PulseWorld;
  let hr: string;
  let lead: string;
  let agent: string;
  let admin: string;

  beforeAll(async () => {
    w = await pulseWorld({ alpha: 6, bravo: 5 }, { app: { clock } });
    [hr, lead, agent] = w.members.alpha;
    admin = w.members.bravo[0];
    for (const [user, role] of [
      [hr, 'hr'],
      [lead, 'lead'],
      [admin, 'admin'],
    ]) {
      await request(w.t.url).patch(`/api/people/${user}`).set(w.admin).send({ role }).expect(200);
    }
  });

  afterAll(async () => {
    await w?.close();
  });

  const withCookie = (s: DashboardSession) => ({ Cookie: s.cookie });

  it('gives HR a one-time link in an ephemeral reply and stores only its hash', async () => {
    const { token, reply } = await dashboardLink(w, hr);
    expect(JSON.parse(reply).response_type).toBe('ephemeral');
    expect(token).toBeDefined();
    const rows: { token_hash: string }[] = await w.t.app
      .get(DataSource)
      .query(`SELECT token_hash FROM sign_in_links`);
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(token!);
  });

  it('opening the link shows a button and does not burn it; the POST signs in once', async () => {
    const { token } = await dashboardLink(w, hr);
    const confirm = await request(w.t.url).get(`/auth/link/${token}`).expect(200);
    expect(confirm.text).toContain('Continue to the dashboard');
    const session = await redeem(w.t.url, token!);
    expect(session.setCookie).toMatch(/^pulsedesk_session=[A-Za-z0-9_-]+;/);
    expect(session.setCookie).toMatch(/HttpOnly/);
    expect(session.setCookie).toMatch(/SameSite=Lax/);
    expect(session.setCookie).not.toMatch(/Secure/);
    // The session is a credential on the API too, with HR's role.
    await request(w.t.url).get('/api/settings').set(withCookie(session)).expect(200);
    await request(w.t.url).patch('/api/settings').set(withCookie(session)).expect(403);
    const again = await request(w.t.url).post('/auth/link').type('form').send({ token });
    expect(again.status).toBe(401);
    expect(again.text).toContain('already used');
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a link past its 15 minutes', async () => {
    const { token } = await dashboardLink(w, hr);
    clock.advance(15 * MINUTE + 1000);
    const res = await request(w.t.url).post('/auth/link').type('form').send({ token });
    expect(res.status).toBe(401);
    expect(res.text).toContain('expired');
  });

  it('refuses an unknown link', async () => {
    const res = await request(w.t.url)
      .post('/auth/link')
      .type('form')
      .send({ token: 'A'.repeat(43) });
    expect(res.status).toBe(401);
    expect(res.text).toContain('not valid');
  });

  it('tells an agent the dashboard is not for them, with no link', async () => {
    const { token, reply } = await dashboardLink(w, agent);
    expect(token).toBeUndefined();
    expect(reply).toContain('team leads, HR and admins');
    expect(reply).not.toContain('/auth/link/');
  });

  it('ends a session idle for 2 hours', async () => {
    const session = await signInThroughSlack(w, hr);
    clock.advance(119 * MINUTE);
    await request(w.t.url).get('/').set(withCookie(session)).expect(200);
    clock.advance(119 * MINUTE);
    await request(w.t.url).get('/').set(withCookie(session)).expect(200);
    clock.advance(120 * MINUTE);
    const res = await request(w.t.url).get('/').set(withCookie(session));
    expect(res.status).toBe(401);
    expect(res.text).toContain('/pulse dashboard');
  });

  it('ends a busy session 12 hours after sign-in', async () => {
    const session = await signInThroughSlack(w, hr);
    for (let hour = 1; hour < 12; hour++) {
      clock.advance(60 * MINUTE);
      await request(w.t.url).get('/api/settings').set(withCookie(session)).expect(200);
    }
    clock.advance(60 * MINUTE);
    await request(w.t.url).get('/api/settings').set(withCookie(session)).expect(401);
  });

  describe('CSRF', () => {
    let session: DashboardSession;
    let surveyId: string;

    beforeAll(async () => {
      session = await signInThroughSlack(w, admin);
      surveyId = (
        await request(w.t.url)
          .post('/api/surveys')
          .set(w.admin)
          .send({ title: 'CSRF check', questions: [{ kind: 'scale5', prompt: 'OK?' }] })
          .expect(201)
      ).body.id;
    });

    const rounds = async () =>
      (await request(w.t.url).get(`/api/surveys/${surveyId}`).set(w.admin).expect(200)).body
        .rounds as unknown[];

    it('refuses a cookie-borne form POST without the token, and changes nothing', async () => {
      const res = await request(w.t.url)
        .post(`/surveys/${surveyId}/rounds`)
        .set(withCookie(session))
        .type('form')
        .send({});
      expect(res.status).toBe(403);
      expect(res.text).toContain('CSRF');
      const wrong = await request(w.t.url)
        .post(`/surveys/${surveyId}/rounds`)
        .set(withCookie(session))
        .type('form')
        .send({ _csrf: 'x'.repeat(43) });
      expect(wrong.status).toBe(403);
      expect(await rounds()).toHaveLength(0);
    });

    it('refuses a cookie-borne API write without the header', async () => {
      await request(w.t.url)
        .post('/api/surveys')
        .set(withCookie(session))
        .send({ title: 'No token', questions: [{ kind: 'scale5', prompt: 'OK?' }] })
        .expect(403);
    });

    it('accepts the page’s token as a form field or a header; bearer calls need none', async () => {
      await request(w.t.url)
        .post(`/surveys/${surveyId}/rounds`)
        .set(withCookie(session))
        .type('form')
        .send({ _csrf: session.csrf })
        .expect(303);
      expect(await rounds()).toHaveLength(1);
      await request(w.t.url)
        .post('/api/surveys')
        .set(withCookie(session))
        .set('X-CSRF-Token', session.csrf)
        .send({ title: 'With token', questions: [{ kind: 'scale5', prompt: 'OK?' }] })
        .expect(201);
      await request(w.t.url)
        .post('/api/surveys')
        .set(w.admin)
        .send({ title: 'Bearer', questions: [{ kind: 'scale5', prompt: 'OK?' }] })
        .expect(201);
    });

    it('saves every setting from the Settings page, retention and prompt hour included, and names a bad one', async () => {
      const form = {
        _csrf: session.csrf,
        anonymityThreshold: '6',
        storyModeration: 'on',
        hrChannelId: '',
        digestChannelId: '',
        storyPromptHour: '16',
        focusStatusText: 'Heads-down',
        focusStatusEmoji: ':no_bell:',
        focusRetentionDays: '45',
      };
      await request(w.t.url)
        .post('/settings')
        .set(withCookie(session))
        .type('form')
        .send(form)
        .expect(303);
      const saved = await request(w.t.url).get('/api/settings').set(w.admin).expect(200);
      expect(saved.body).toMatchObject({
        anonymityThreshold: 6,
        storyPromptHour: 16,
        focusRetentionDays: 45,
      });
      const page = await request(w.t.url).get('/settings').set(withCookie(session)).expect(200);
      expect(page.text).toContain('name="focusRetentionDays"');
      expect(page.text).toMatch(
        /name="focusRetentionDays"[^>]*value="45"|value="45"[^>]*name="focusRetentionDays"/s,
      );
      const refused = await request(w.t.url)
        .post('/settings')
        .set(withCookie(session))
        .type('form')
        .send({ ...form, focusRetentionDays: '3' })
        .expect(400);
      expect(refused.text).toContain('focusRetentionDays must be at least 7');
      expect(
        (await request(w.t.url).get('/api/settings').set(w.admin).expect(200)).body
          .focusRetentionDays,
      ).toBe(45);
      // Back to the default k for the tests that follow.
      await request(w.t.url)
        .patch('/api/settings')
        .set(w.admin)
        .send({ anonymityThreshold: 5 })
        .expect(200);
    });

    it('does not accept one session’s token for another', async () => {
      const other = await signInThroughSlack(w, hr);
      expect(other.csrf).not.toBe(session.csrf);
      await request(w.t.url)
        .post('/api/surveys')
        .set(withCookie(other))
        .set('X-CSRF-Token', session.csrf)
        .send({ title: 'Crossed', questions: [{ kind: 'scale5', prompt: 'OK?' }] })
        .expect(403);
    });
  });

  describe('a lead', () => {
    let session: DashboardSession;

    beforeAll(async () => {
      await request(w.t.url)
        .patch(`/api/people/${lead}`)
        .set(w.admin)
        .send({ role: 'lead' })
        .expect(200);
      session = await signInThroughSlack(w, lead);
    });

    it('sees their own team’s page and is refused another team’s', async () => {
      const own = await request(w.t.url)
        .get(`/focus/teams/${w.teamIds.alpha}`)
        .set(withCookie(session));
      expect(own.status).toBe(200);
      expect(own.text).toContain('alpha');
      const other = await request(w.t.url)
        .get(`/focus/teams/${w.teamIds.bravo}`)
        .set(withCookie(session));
      expect(other.status).toBe(403);
      expect(other.text).not.toContain('bravo-');
    });

    it('is refused the HR pages and routes, on the dashboard and on the API alike', async () => {
      await request(w.t.url).get('/surveys').set(withCookie(session)).expect(403);
      await request(w.t.url).get('/settings').set(withCookie(session)).expect(403);
      await request(w.t.url).get('/api/surveys').set(withCookie(session)).expect(403);
    });
  });

  it('a person demoted to agent loses their session at the next request', async () => {
    const session = await signInThroughSlack(w, hr);
    await request(w.t.url).patch(`/api/people/${hr}`).set(w.admin).send({ role: 'agent' });
    await request(w.t.url).get('/').set(withCookie(session)).expect(401);
    await request(w.t.url).patch(`/api/people/${hr}`).set(w.admin).send({ role: 'hr' });
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const session = await signInThroughSlack(w, hr);
    const withoutToken = await request(w.t.url).post('/auth/sign-out').set(withCookie(session));
    expect(withoutToken.status).toBe(403);
    const res = await request(w.t.url)
      .post('/auth/sign-out')
      .set(withCookie(session))
      .type('form')
      .send({ _csrf: session.csrf })
      .expect(303);
    expect(res.headers.location).toBe('/auth/signed-out');
    expect(String(res.headers['set-cookie'])).toMatch(
      /pulsedesk_session=;.*Expires=Thu, 01 Jan 1970/,
    );
    await request(w.t.url).get('/').set(withCookie(session)).expect(401);
  });

  it('sets Secure on the cookie when PUBLIC_URL is https', async () => {
    const secure = await startTestApp({
      db: w.t.db,
      clock,
      env: { PUBLIC_URL: 'https://pulse.example.com' },
    });
    try {
      const { url } = await secure.app.get(SessionsService).operatorLink();
      expect(url.startsWith('https://pulse.example.com/auth/link/')).toBe(true);
      const token = url.split('/').pop()!;
      const res = await request(secure.url).post('/auth/link').type('form').send({ token });
      expect(res.status).toBe(303);
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await secure.close();
    }
  });

  it('serves pages under a CSP that allows only our own origin', async () => {
    const res = await request(w.t.url).get('/auth/signed-out').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/https:|unsafe-inline|unsafe-eval/);
    // Swagger UI inlines styles: only its page may, and still no inline script.
    const docs = await request(w.t.url).get('/api/docs/').redirects(1);
    expect(docs.status).toBe(200);
    expect(docs.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(docs.headers['content-security-policy']).toContain("script-src 'self';");
    const chart = await request(w.t.url).get('/assets/chart.umd.js').expect(200);
    expect(chart.text).toContain('Chart');
  });

  it('answers an unauthenticated page with the way to sign in', async () => {
    const res = await request(w.t.url).get('/').expect(401);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('/pulse dashboard');
    expect(csrfFrom).toBeDefined();
  });
});
