/** Surveys (create, open, remind, close), Focus, Settings and the Stories placeholder. */
import type { SurveyTemplate } from '../../pulse/templates/pulse-templates';
import type { WorkspaceSettings } from '../../workspaces/workspaces.service';
import type { SurveyView } from '../dashboard.service';
import { emptyState, notice, page, PageContext } from './layout';
import { html, SafeHtml } from './html';

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
 * STORIES: placeholder. The stories feature (moderation queue, feed with search) is being built
 * in its own branch; its pages go here once its service exists. No data is shown meanwhile.
 */
export function storiesPage(ctx: PageContext): string {
  return page(
    'Stories',
    ctx,
    html`<div class="placeholder" data-placeholder="stories">
      <p><strong>Stories are coming.</strong></p>
      <p>
        The moderation queue and the story feed will appear here once the stories feature ships.
        Nothing is shown until real stories exist.
      </p>
    </div>`,
  );
}
