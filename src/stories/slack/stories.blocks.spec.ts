import {
  digestMessage,
  DIGEST_MAX_STORIES,
  HrDecision,
  hrReviewMessage,
  mrkdwn,
  mrkdwnChunks,
  mrkdwnWithin,
  parseShareSubmission,
  shareModal,
} from './stories.blocks';
import type { Story } from '../stories.types';

const story = (over: Partial<Story> = {}): Story => ({
  id: '6f1c0a52-8a4e-4d7f-9a51-0d1b2c3d4e5f',
  workspaceId: 'w',
  seq: '1',
  anonymous: false,
  authorPersonId: 'p',
  title: 'Title',
  body: 'Body',
  tags: ['teamwork'],
  status: 'pending',
  createdOn: '2026-11-25',
  publishedOn: null,
  ...over,
});

const values = (v: { title?: string; body?: string; tags?: string[]; sharing?: string }) => ({
  story_title: { value: { value: v.title ?? 'T' } },
  story_body: { value: { value: v.body ?? 'B' } },
  story_tags: { value: { selected_options: (v.tags ?? []).map((value) => ({ value })) } },
  story_sharing: { value: { selected_option: { value: v.sharing ?? 'named' } } },
});

describe('story blocks', () => {
  it('escapes Slack control characters so nothing broadcasts or links', () => {
    expect(mrkdwn('<!channel> & <https://x|y>')).toBe('&lt;!channel&gt; &amp; &lt;https://x|y&gt;');
  });

  it('cuts escaped text without splitting an entity or a surrogate pair', () => {
    const cut = mrkdwnWithin('&&&&&😀😀', 12);
    expect(cut.length).toBeLessThanOrEqual(12);
    expect(cut).toMatch(/^(&amp;)+…$/);
    expect(mrkdwnWithin('ab😀cd', 4)).toBe('ab…');
  });

  it('splits a story of 3,000 "&" into sections Slack accepts', () => {
    const chunks = mrkdwnChunks('&'.repeat(3000));
    expect(chunks.every((c) => c.length <= 3000)).toBe(true);
    expect(chunks.join('')).toBe('&amp;'.repeat(3000));
  });

  it('counts characters as Slack does (code points)', () => {
    expect(parseShareSubmission(values({ body: '😀'.repeat(3000) })).ok).toBe(true);
    const over = parseShareSubmission(values({ body: '😀'.repeat(3001) }));
    expect(over).toEqual({
      ok: false,
      errors: {
        story_body: expect.stringMatching(/at most 3,000 characters \(this one has 3,001\)/),
      },
    });
  });

  it('refuses empty fields, unknown tags and unknown sharing with field errors', () => {
    const parsed = parseShareSubmission(
      values({ title: ' ', body: '', tags: ['gossip'], sharing: 'x' }),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual([
      'story_body',
      'story_sharing',
      'story_tags',
      'story_title',
    ]);
  });

  it('answers a forged submission whose fields are not text with field errors, not a crash', () => {
    const forged = {
      story_title: { value: { value: 42 } },
      story_body: { value: { value: { nested: true } } },
      story_tags: { value: { selected_options: 'learning' } },
      story_sharing: { value: { selected_option: { value: 7 } } },
    } as unknown as Parameters<typeof parseShareSubmission>[0];
    const parsed = parseShareSubmission(forged);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.errors).sort()).toEqual([
      'story_body',
      'story_sharing',
      'story_title',
    ]);
    const badTag = parseShareSubmission({
      ...values({}),
      story_tags: { value: { selected_options: [null, { value: 3 }] } },
    } as unknown as Parameters<typeof parseShareSubmission>[0]);
    expect(badTag.ok).toBe(false);
  });

  it('reads an anonymous story with its tags, deduplicated', () => {
    expect(
      parseShareSubmission(values({ tags: ['learning', 'learning'], sharing: 'anonymous' })),
    ).toEqual({ ok: true, story: { title: 'T', body: 'B', tags: ['learning'], anonymous: true } });
  });

  it('prefills the modal title from a prompt, within the title limit', () => {
    const view = shareModal({ prefillTitle: 'x'.repeat(400) });
    const title = JSON.stringify(view.blocks[0]);
    expect(title).toContain(`"initial_value":"${'x'.repeat(150)}"`);
    expect(view.callback_id).toBe('story_share_modal');
  });

  it('names an anonymous story "Anonymous" and a named one by mention only', () => {
    const anon = JSON.stringify(
      hrReviewMessage({
        story: story({ anonymous: true, authorPersonId: null }),
        author: null,
        counts: { clap: 0, heart: 0, raised_hands: 0 },
      }),
    );
    expect(anon).toContain('Anonymous');
    const named = JSON.stringify(
      hrReviewMessage({
        story: story(),
        author: { slackUserId: 'U1' },
        counts: { clap: 0, heart: 0, raised_hands: 0 },
      }),
    );
    expect(named).toContain('<@U1>');
    expect(named).toContain('story_approve');
  });

  it('says who decided and drops the review buttons', () => {
    const m = JSON.stringify(
      hrReviewMessage({
        story: story({ status: 'published' }),
        author: null,
        counts: { clap: 2, heart: 0, raised_hands: 1 },
        decision: { by: 'UHR', outcome: 'approved' },
      }),
    );
    expect(m).toContain('Approved by <@UHR>');
    expect(m).not.toContain('story_approve');
    expect(m).toContain('👏 2');
  });

  it('says where a decision made outside the HR channel was made, and by whom when known', () => {
    const render = (decision: HrDecision, status: 'published' | 'rejected' = 'published') =>
      JSON.stringify(
        hrReviewMessage({
          story: story({ status }),
          author: null,
          counts: { clap: 0, heart: 0, raised_hands: 0 },
          decision,
        }),
      );
    expect(render({ by: null, outcome: 'approved', via: 'dashboard' })).toContain(
      'Approved in the Pulsedesk dashboard',
    );
    expect(render({ by: 'UHR', outcome: 'approved', via: 'dashboard' })).toContain(
      'Approved by <@UHR> in the Pulsedesk dashboard',
    );
    const api = render({ by: null, outcome: 'removed', via: 'api' }, 'rejected');
    expect(api).toContain('Removed through the Pulsedesk API');
    expect(api).not.toContain('<@');
    expect(api).not.toContain('story_reject');
  });

  it('keeps a digest within Slack’s 50 blocks', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({
      story: story({
        id: `6f1c0a52-8a4e-4d7f-9a51-0d1b2c3d4e${String(i).padStart(2, '0')}`,
        status: 'published' as const,
      }),
      author: null,
      counts: { clap: 0, heart: 0, raised_hands: 0 },
    }));
    const message = digestMessage({ week: '2026-W48', items });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(message)).toContain(`${40 - DIGEST_MAX_STORIES} more`);
  });
});
