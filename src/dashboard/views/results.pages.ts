/** Heatmap (team × question) and one round's page: what GET /api/rounds/:id/results gives. */
import type { RoundDto } from '../../pulse/dto/round.dto';
import type { PublishedRound } from '../../pulse/results.service';
import type { PublishedQuestion } from '../../pulse/pulse.types';
import { emptyState, isHr, page, PageContext } from './layout';
import { html, SafeHtml } from './html';

/** The headline of a question: favorability for scale5, eNPS for eNPS, the mean otherwise. */
function headline(q: PublishedQuestion): { text: string; bucket: number | null } {
  if (q.kind === 'scale5' && q.favorability !== null) {
    return { text: `${q.favorability}%`, bucket: Math.min(4, Math.floor(q.favorability / 20)) };
  }
  if (q.kind === 'enps' && q.enps !== null) {
    return {
      text: `${q.enps > 0 ? '+' : ''}${q.enps}`,
      bucket: Math.min(4, Math.floor((q.enps + 100) / 40)),
    };
  }
  return { text: q.mean === null ? '–' : String(q.mean), bucket: null };
}

const SUPPRESSED_LEGEND = (k: number) =>
  html`<strong>Suppressed</strong>: fewer than ${k} people stand behind this cell, or showing it
    would let someone work out a smaller team’s answers from the total (complementary suppression).
    Pulsedesk never shows a number for these.`;

export function heatmapPage(
  ctx: PageContext,
  data: {
    rounds: { id: string; closedAt: string; title: string }[];
    chosen: { id: string; closedAt: string; title: string } | null;
    results: PublishedRound | null;
  },
): string {
  if (!data.chosen || !data.results) {
    return page(
      'Heatmap',
      ctx,
      emptyState(
        'No closed round yet.',
        isHr(ctx.principal)
          ? html`Open a round on the <a href="/surveys">Surveys</a> page; the heatmap fills in when
              it closes.`
          : 'The heatmap fills in when a round closes.',
      ),
    );
  }
  const results = data.results;
  const questions = (results.groups ?? [])
    .flatMap((g) => g.questions ?? [])
    .concat(results.questions)
    .filter((q) => q.kind === 'scale5' || q.kind === 'enps');
  const columns = [...new Map(questions.map((q) => [q.questionId, q])).values()];
  const picker = html`<form method="get" action="/heatmap">
    <label for="round">Round</label>
    <select id="round" name="round">
      ${data.rounds.map(
        (r) =>
          html`<option value="${r.id}" ${r.id === data.chosen!.id ? 'selected' : ''}>
            ${r.title} — closed ${r.closedAt.slice(0, 10)}
          </option>`,
      )}
    </select>
    <button type="submit" class="secondary">Show</button>
  </form>`;
  const groups = results.groups ?? [];
  const table =
    groups.length === 0
      ? emptyState('No team breakdown for this round.', 'Assign people to teams to see one.')
      : html`<div class="scroll">
          <table class="heatmap">
            <caption class="muted">
              ${data.chosen.title}, closed ${data.chosen.closedAt.slice(0, 10)}; k = ${results.k}
            </caption>
            <thead>
              <tr>
                <th scope="col">Team</th>
                ${columns.map((q) => html`<th scope="col">${q.prompt}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${groups.map(
                (g) =>
                  html`<tr data-team="${g.name}">
                    <th scope="row">${g.name}</th>
                    ${columns.map((c) => {
                      if (g.suppressed) {
                        return html`<td class="cell-suppressed" data-suppressed="true">
                          Suppressed
                        </td>`;
                      }
                      const q = g.questions?.find((x) => x.questionId === c.questionId);
                      if (!q) return html`<td class="muted">not asked</td>`;
                      if (q.suppressed) {
                        return html`<td class="cell-suppressed" data-suppressed="true">
                          Suppressed
                        </td>`;
                      }
                      const h = headline(q);
                      return html`<td class="${h.bucket === null ? '' : `heat-${h.bucket}`}">
                        ${h.text}
                      </td>`;
                    })}
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>`;
  return page(
    'Heatmap',
    ctx,
    html`${picker}
      <ul class="legend" aria-label="Legend">
        <li><span class="swatch heat-0"></span>low</li>
        <li><span class="swatch heat-2"></span>middle</li>
        <li><span class="swatch heat-4"></span>high</li>
        <li><span class="swatch cell-suppressed"></span>${SUPPRESSED_LEGEND(results.k)}</li>
      </ul>
      <p class="muted">
        Cells show favorability (% answering 4 or 5) for 1–5 questions and eNPS (−100 to +100) for
        the recommend question.
      </p>
      ${table}
      <p><a href="/rounds/${data.chosen.id}">Round details and comments</a></p>`,
  );
}

function distributionTable(q: PublishedQuestion): SafeHtml {
  const entries = Object.entries(q.distribution);
  if (q.suppressed || entries.length === 0) return html``;
  return html`<table class="distribution">
    <caption class="muted">
      Answers by score
    </caption>
    <thead>
      <tr>
        ${entries.map(([score]) => html`<th scope="col">${score}</th>`)}
      </tr>
    </thead>
    <tbody>
      <tr>
        ${entries.map(([, n]) => html`<td>${n}</td>`)}
      </tr>
    </tbody>
  </table>`;
}

export function roundPage(
  ctx: PageContext,
  data: { round: RoundDto; title: string; results: PublishedRound | null },
): string {
  const { round, results } = data;
  const p = round.participation;
  const head = html`<p>
      <strong>${data.title}</strong> — ${round.status}, opened ${round.openedAt.slice(0, 10)}
      ${round.closedAt ? html`, closed ${round.closedAt.slice(0, 10)}` : ''}
    </p>
    <div class="cards">
      <div class="card">
        <p class="figure">${Math.round(p.rate * 1000) / 10}%</p>
        <p class="label">participation (${p.responded} of ${p.invited})</p>
      </div>
    </div>`;
  if (!results) {
    return page(
      'Round',
      ctx,
      html`${head}
      ${emptyState(
        'Results are released when the round closes.',
        isHr(ctx.principal)
          ? html`Close it from the <a href="/surveys">Surveys</a> page, or wait for its window to
              end.`
          : 'Participation is live; figures appear once it closes.',
      )}`,
    );
  }
  const overall = results.suppressed
    ? html`<p class="cell-suppressed">
        Suppressed: fewer than ${results.k} people answered, so nothing is shown.
      </p>`
    : results.questions
        .filter((q) => q.kind !== 'text')
        .map(
          (q) =>
            html`<section class="card">
              <h3>${q.prompt}</h3>
              <p>
                ${
                  q.suppressed
                    ? 'Suppressed'
                    : html`${headline(q).text} · mean ${q.mean ?? '–'} · ${q.n} answers`
                }
              </p>
              ${distributionTable(q)}
            </section>`,
        );
  const groups = (results.groups ?? []).map(
    (g) =>
      html`<tr>
        <th scope="row">${g.name}</th>
        <td>
          ${g.suppressed ? html`<span class="cell-suppressed">Suppressed</span>` : g.respondents}
        </td>
      </tr>`,
  );
  const comments = [
    ...results.comments.map((c) => c.text),
    ...(results.groups ?? []).flatMap((g) => (g.comments ?? []).map((c) => c.text)),
  ];
  return page(
    'Round',
    ctx,
    html`${head}
      <h2>Figures</h2>
      <div class="cards">${overall}</div>
      ${
        groups.length
          ? html`<h2>By team</h2>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Team</th>
                    <th scope="col">Respondents</th>
                  </tr>
                </thead>
                <tbody>
                  ${groups}
                </tbody>
              </table>`
          : ''
      }
      <h2>Comments</h2>
      ${
        comments.length
          ? html`<ul class="comments">
              ${comments.map((c) => html`<li>${c}</li>`)}
            </ul>`
          : html`<p class="muted">
              No comments to show: comments appear only for groups of at least ${results.k} people.
            </p>`
      }
      <p>
        <a class="button" href="/api/rounds/${round.id}/results.csv?groupBy=team" download
          >Download CSV</a
        >
      </p>`,
  );
}
