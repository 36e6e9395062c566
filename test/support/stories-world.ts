/**
 * Helpers for story tests on top of the pulse world: sharing through the modal exactly as Slack
 * submits it, pressing a message's buttons, and reading what the stand-in received.
 */
import request from 'supertest';
import { eventually } from './eventually';
import { postSlack, PulseWorld } from './pulse-world';
import { blockActionsPayload, interactionBody, viewSubmissionPayload } from './slack-signing';

export const HR_CHANNEL = 'C0HRDESK01';
export const DIGEST_CHANNEL = 'C0DIGEST01';

export interface ShareInput {
  title?: string;
  body?: string;
  tags?: string[];
  sharing?: 'named' | 'anonymous';
}

/** Submits the share modal as Slack does; resolves to the acknowledgement's JSON (or {}). */
export async function shareStory(
  w: PulseWorld,
  userId: string,
  input: ShareInput,
  teamId = w.teamId,
): Promise<Record<string, unknown>> {
  const payload = viewSubmissionPayload({
    userId,
    teamId,
    callbackId: 'story_share_modal',
    values: {
      story_title: { value: { type: 'plain_text_input', value: input.title ?? 'A story' } },
      story_body: { value: { type: 'plain_text_input', value: input.body ?? '' } },
      story_tags: {
        value: {
          type: 'checkboxes',
          selected_options: (input.tags ?? []).map((value) => ({ value })),
        },
      },
      story_sharing: {
        value: { type: 'radio_buttons', selected_option: { value: input.sharing ?? 'named' } },
      },
    },
  });
  const res = await postSlack(w, interactionBody(payload)).expect(200);
  return res.text ? (JSON.parse(res.text) as Record<string, unknown>) : {};
}

/** Presses a button of a message (HR channel, digest) as `userId`. */
export function pressButton(
  w: PulseWorld,
  input: {
    userId: string;
    actionId: string;
    value: string;
    channelId: string;
    messageTs: string;
    blockId?: string;
    teamId?: string;
  },
) {
  const payload = blockActionsPayload({ ...input, teamId: input.teamId ?? w.teamId });
  return postSlack(w, interactionBody(payload)).expect(200);
}

/** Presses a button of someone's App Home tab. */
export function pressHomeButton(
  w: PulseWorld,
  input: { userId: string; actionId: string; value: string },
) {
  const payload = blockActionsPayload({
    ...input,
    teamId: w.teamId,
    view: { id: 'V0HOME0001', type: 'home' },
  });
  return postSlack(w, interactionBody(payload)).expect(200);
}

/** An API token of a role, made by the operator. */
export async function tokenFor(
  w: PulseWorld,
  role: 'lead' | 'hr' | 'admin',
  teamId?: string,
): Promise<Record<string, string>> {
  const res = await request(w.t.url)
    .post('/api/tokens')
    .set(w.admin)
    .send({ name: `${role} token`, role, ...(teamId ? { teamId } : {}) })
    .expect(201);
  return { Authorization: `Bearer ${res.body.token}` };
}

/** Every text of a Slack message (text and blocks), as one string to search. */
export function messageText(m: { text: string; blocks?: unknown[] }): string {
  return `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
}

/** The HR channel's review message of a story (`kind` a button of it), once posted. */
export function reviewMessage(w: PulseWorld, storyId: string, kind = 'story_approve') {
  return eventually(
    () =>
      w.slack
        .messages(HR_CHANNEL)
        .find(
          (m) =>
            JSON.stringify(m.blocks ?? []).includes(`"value":"${storyId}"`) &&
            JSON.stringify(m.blocks ?? []).includes(kind),
        ),
    { what: `the HR review message of ${storyId}` },
  );
}
