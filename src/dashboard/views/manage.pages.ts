/** Surveys (create, open, remind, close), Focus, Settings and Stories (review queue, feed). */
import type { SurveyTemplate } from '../../pulse/pulse.types';
import type { FeedItem, FeedPage } from '../../stories/stories.service';
import { REACTION_KINDS, REACTIONS, STORY_TAG_IDS, STORY_TAGS } from '../../stories/stories.types';
import type { WorkspaceSettings } from '../../workspaces/workspaces.service';
import type { StoriesFilter, SurveyView } from '../dashboard.service';
import { emptyState, notice, page, PageContext } from './layout';
import { escapeHtml, html, SafeHtml } from './html';

/** A one-button form; the hidden part of the label names what it acts on for screen readers. */
function postButton(
  ctx: PageContext,
  action: string,
  label: string,
  hiddenContext: string,
  secondary = false,
): SafeHtml {
  return html`<form method="post" action="${action}" class="inline">
    <input type="hidden" name="_csrf" value="${ctx.csrfToken}" />
    <button type="submit" class="${secondary ? 'secondary' : ''}">
      ${label}<span class="sr-only"> ${hiddenContext}</span>
    </button>
  </form>`;
}

export function surveysPage(
  ctx: PageContext,
  data: { surveys: SurveyView[]; templates: readonly SurveyTemplate[] },
  flash?: string,
): string {
  const list = data.surveys.length
    ? data.surveys.map((s) => {
        const open = s.rounds.filter((r) => r.status === 'open');
        const closed = s.rounds.filter((r) => r.status === 'closed');
        return html`<section class="card survey" data-survey="${s.title}">
          <h2>${s.title}</h2>
          <p class="muted">
            ${s.questions.length} questions ·
            ${s.schedule ? `scheduled (${s.schedule.rrule}, ${s.schedule.localTime})` : 'on demand'}
            · ${closed.length} closed rounds
          </p>
          ${
            open.length
              ? html`<h3>Open rounds</h3>
                  <ul>
                    ${open.map(
                      (r) =>
                        html`<li data-round="${r.id}">
                          Opened ${r.openedAt.slice(0, 10)}, closes ${r.closesAt.slice(0, 10)} ·
                          ${r.participation.responded} of ${r.participation.invited} answered
                          ${postButton(ctx, `/rounds/${r.id}/close`, 'Close', `round of ${s.title}`)}
                          ${
                            r.reminderSent
                              ? html`<span class="muted">reminder sent</span>`
                              : postButton(
                                  ctx,
                                  `/rounds/${r.id}/remind`,
                                  'Remind',
                                  `non-responders of ${s.title}`,
                                  true,
                                )
                          }
                        </li>`,
                    )}
                  </ul>`
              : postButton(ctx, `/surveys/${s.id}/rounds`, 'Open a round now', `of ${s.title}`)
          }
          ${
            closed.length
              ? html`<p>
                  Latest closed:
                  ${closed
                    .slice(-3)
                    .reverse()
                    .map(
                      (r) =>
                        html`<a href="/rounds/${r.id}">${r.closedAt?.slice(0, 10) ?? 'round'}</a> `,
                    )}
                </p>`
              : ''
          }
        </section>`;
      })
    : emptyState(
        'No survey yet.',
        'Create one from a template below, then open its first round: every invited agent gets a DM in Slack.',
      );
  return page(
    'Surveys',
    ctx,
    html`${notice(flash)} ${list}
      <h2>Create a survey</h2>
      <form method="post" action="/surveys" class="card">
        <input type="hidden" name="_csrf" value="${ctx.csrfToken}" />
        <label for="template">Template</label>
        <select id="template" name="template">
          ${data.templates.map((t) => html`<option value="${t.id}">${t.title}</option>`)}
        </select>
        <label for="title">Title (optional)</label>
        <input type="text" id="title" name="title" maxlength="120" />
        <p><button type="submit">Create survey</button></p>
      </form>
      <h2>Templates</h2>
      <ul>
        ${data.templates.map(
          (t) =>
            html`<li>
              <strong>${t.title}</strong>: ${t.description} (${t.questions.length} questions)
            </li>`,
        )}
      </ul>`,
  );
}

export interface FocusBoard {
  teamId: string;
  name: string;
  members: number;
  minOnDuty: number;
  onDuty: number;
  covered: boolean;
  focusing: { slackUserId: string; name: string; until: string }[];
}

function board(b: FocusBoard): SafeHtml {
  return html`<section class="card" data-team="${b.name}">
    <h2><a href="/focus/teams/${b.teamId}">${b.name}</a></h2>
    <p>
      ${b.onDuty} of ${b.members} on duty · minimum ${b.minOnDuty} ·
      <strong>${b.covered ? 'covered' : 'below minimum'}</strong>
    </p>
    ${
      b.focusing.length
        ? html`<ul>
            ${b.focusing.map(
              (f) =>
                html`<li>
                  ${f.name} — heads-down until
                  <time datetime="${f.until}">${f.until.slice(11, 16)} UTC</time>
                </li>`,
            )}
          </ul>`
        : html`<p class="muted">Nobody is heads-down right now.</p>`
    }
  </section>`;
}

export function focusPage(ctx: PageContext, boards: FocusBoard[]): string {
  return page(
    'Focus',
    ctx,
    boards.length
      ? html`<p class="muted">
            Presence, not surveillance: who is heads-down now. No history of anyone’s focus time is
            shown.
          </p>
          <div class="cards">${boards.map(board)}</div>`
      : emptyState(
          'No team yet.',
          'Create teams (POST /api/teams) and assign people to them; agents set focus blocks with /focus in Slack.',
        ),
  );
}

export function teamFocusPage(ctx: PageContext, b: FocusBoard): string {
  return page(`Focus — ${b.name}`, ctx, board(b));
}

export function settingsPage(
  ctx: PageContext,
  settings: WorkspaceSettings,
  flash?: string,
  error?: string,
): string {
  const admin = ctx.principal.role === 'admin';
  return page(
    'Settings',
    ctx,
    html`${notice(flash)} ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      ${admin ? '' : html`<p class="muted">Only an admin can change these settings.</p>`}
      <form method="post" action="/settings" class="card">
        <input type="hidden" name="_csrf" value="${ctx.csrfToken}" />
        <fieldset ${admin ? '' : 'disabled'}>
          <legend>Workspace settings</legend>
          <label for="k">Minimum group size k (at least 3)</label>
          <input
            type="number"
            id="k"
            name="anonymityThreshold"
            min="3"
            value="${settings.anonymityThreshold}"
          />
          <label for="moderation">
            <input
              type="checkbox"
              id="moderation"
              name="storyModeration"
              value="on"
              ${settings.storyModeration ? 'checked' : ''}
            />
            Stories wait for HR approval
          </label>
          <label for="hr">HR channel id</label>
          <input
            type="text"
            id="hr"
            name="hrChannelId"
            value="${settings.hrChannelId ?? ''}"
            placeholder="C0123456789"
          />
          <label for="digest">Story digest channel id</label>
          <input
            type="text"
            id="digest"
            name="digestChannelId"
            value="${settings.digestChannelId ?? ''}"
            placeholder="C0123456789"
          />
          <label for="prompt-hour"
            >Weekly story prompt, hour of the day (agents' own time, 0–23)</label
          >
          <input
            type="number"
            id="prompt-hour"
            name="storyPromptHour"
            min="0"
            max="23"
            value="${settings.storyPromptHour}"
          />
          <label for="ftext">Focus status text</label>
          <input
            type="text"
            id="ftext"
            name="focusStatusText"
            maxlength="100"
            value="${settings.focusStatusText}"
          />
          <label for="femoji">Focus status emoji</label>
          <input
            type="text"
            id="femoji"
            name="focusStatusEmoji"
            value="${settings.focusStatusEmoji}"
          />
          <label for="retention"
            >Days ended focus blocks are kept (7–365; weekly totals stay)</label
          >
          <input
            type="number"
            id="retention"
            name="focusRetentionDays"
            min="7"
            max="365"
            value="${settings.focusRetentionDays}"
          />
          <p><button type="submit">Save settings</button></p>
        </fieldset>
      </form>`,
  );
}

/**
 * A search snippet from StoriesService: already HTML-escaped there, with only <mark>…</mark>
 * added. It is shown as HTML, but only after checking that: everything between the marks is
 * escaped again except the five entities the service writes, so a snippet that is not what the
 * service promises still renders as text (and a correct one is not escaped twice).
 */
export function snippetHtml(snippet: string): SafeHtml {
  const text = (part: string) =>
    part.replace(/&(?!(?:amp|lt|gt|quot|#39);)|[<>"']/g, (c) => escapeHtml(c));
  let open = false;
  const out = snippet.split(/(<\/?mark>)/).map((part) => {
    if (part === '<mark>' && !open) return ((open = true), part);
    if (part === '</mark>' && open) return ((open = false), part);
    return text(part);
  });
  return new SafeHtml(out.join('') + (open ? '</mark>' : ''));
}

function storyMeta(s: FeedItem): SafeHtml {
  const day = s.publishedOn ?? s.createdOn;
  return html`<p class="muted">
    <time datetime="${day}">${day}</time> · ${s.author ? (s.author.name ?? 'Unnamed') : 'Anonymous'}
    ${s.tags.length ? html`· ${s.tags.map((t) => STORY_TAGS[t]).join(', ')}` : ''}
  </p>`;
}

function reactions(s: FeedItem): SafeHtml {
  return html`<p class="reactions">
    ${REACTION_KINDS.map(
      (k) =>
        html`<span
          >${REACTIONS[k].label} ${s.reactions[k]}<span class="sr-only">
            ${k.replace('_', ' ')}</span
          ></span
        > `,
    )}
  </p>`;
}

function queueItem(ctx: PageContext, s: FeedItem, reported: boolean): SafeHtml {
  const admin = ctx.principal.role === 'admin';
  return html`<li class="card story" data-story="${s.id}">
    <h3>${s.title}</h3>
    ${storyMeta(s)}
    <p class="story-body">${s.body}</p>
    ${
      reported
        ? html`${postButton(ctx, `/stories/${s.id}/approve`, 'Restore', `story ${s.title}`)}
          ${postButton(ctx, `/stories/${s.id}/reject`, 'Remove', `story ${s.title} from the feed`, true)}`
        : html`${postButton(ctx, `/stories/${s.id}/approve`, 'Approve', `story ${s.title}`)}
          ${postButton(ctx, `/stories/${s.id}/reject`, 'Reject', `story ${s.title}`, true)}`
    }
    ${admin ? postButton(ctx, `/stories/${s.id}/delete`, 'Delete', `story ${s.title} for good`, true) : ''}
  </li>`;
}

function storiesLink(filter: StoriesFilter, cursor: string): string {
  const params = new URLSearchParams();
  if (filter.q) params.set('q', filter.q);
  if (filter.tag) params.set('tag', filter.tag);
  params.set('cursor', cursor);
  return `/stories?${params.toString()}`;
}

export interface StoriesView {
  feed: FeedPage;
  filter: StoriesFilter;
  pending: FeedPage;
  hidden: FeedPage;
}

/**
 * The moderation queue (pending and reported stories, for HR and admins) and the published
 * feed with its search, as GET /api/stories returns them. Every story text is escaped by the
 * template; only the service's search snippets are HTML, through snippetHtml.
 */
export function storiesPage(ctx: PageContext, data: StoriesView, flash?: string): string {
  const { feed, filter, pending, hidden } = data;
  const more = (p: FeedPage) =>
    p.nextCursor ? html`<p class="muted">More are waiting: review these first.</p>` : '';
  const queue = html`<section aria-labelledby="queue-title">
    <h2 id="queue-title">Waiting for review</h2>
    ${
      pending.items.length || hidden.items.length
        ? html`${
            pending.items.length
              ? html`<h3>New stories</h3>
                  <ul class="stories" data-queue="pending">
                    ${pending.items.map((s) => queueItem(ctx, s, false))}
                  </ul>
                  ${more(pending)}`
              : ''
          }
          ${
            hidden.items.length
              ? html`<h3>Reported stories, hidden from the feed</h3>
                  <ul class="stories" data-queue="hidden">
                    ${hidden.items.map((s) => queueItem(ctx, s, true))}
                  </ul>
                  ${more(hidden)}`
              : ''
          }`
        : emptyState(
            'Nothing to review.',
            'New stories wait here while moderation is on (Settings), and reported ones come back here for Restore or Remove.',
          )
    }
  </section>`;
  const searching = Boolean(filter.q || filter.tag);
  const search = html`<form method="get" action="/stories" class="card" role="search">
    <label for="q">Search stories</label>
    <input type="search" id="q" name="q" maxlength="200" value="${filter.q ?? ''}" />
    <label for="tag">Tag</label>
    <select id="tag" name="tag">
      <option value="">Any tag</option>
      ${STORY_TAG_IDS.map(
        (t) =>
          html`<option value="${t}" ${filter.tag === t ? 'selected' : ''}>
            ${STORY_TAGS[t]}
          </option>`,
      )}
    </select>
    <p>
      <button type="submit">Search</button>
      ${searching ? html`<a href="/stories">Clear</a>` : ''}
    </p>
  </form>`;
  const list = feed.items.length
    ? html`<ul class="stories" data-feed="published">
          ${feed.items.map(
            (s) =>
              html`<li class="card story" data-story="${s.id}">
                <h3>${s.title}</h3>
                ${storyMeta(s)}
                ${
                  s.snippet !== undefined
                    ? html`<p class="snippet">${snippetHtml(s.snippet)}</p>`
                    : html`<p class="story-body">${s.body}</p>`
                }
                ${reactions(s)}
              </li>`,
          )}
        </ul>
        ${
          feed.nextCursor
            ? html`<p>
                <a href="${storiesLink(filter, feed.nextCursor)}" rel="next">Next page</a>
              </p>`
            : ''
        }`
    : searching
      ? emptyState('No story matches.', 'Try other words or another tag, or clear the search.')
      : filter.cursor
        ? emptyState('No more stories.', html`<a href="/stories">Back to the newest</a>`)
        : emptyState(
            'No stories yet.',
            'Agents share them with /story in Slack; published stories appear here.',
          );
  return page(
    'Stories',
    ctx,
    html`${notice(flash)} ${queue}
      <section aria-labelledby="feed-title">
        <h2 id="feed-title">Published stories</h2>
        ${search} ${list}
      </section>`,
  );
}
