/** Overview: participation, eNPS and favorability per closed round, as the trends API gives them. */
import type { Trends, TrendRound } from '../dashboard.service';
import { emptyState, isHr, page, PageContext } from './layout';
import { html, jsonData, SafeHtml } from './html';

export interface ChartSpec {
  labels: string[];
  series: { label: string; data: (number | null)[] }[];
  min: number;
  max: number;
}

type Figures = NonNullable<TrendRound['questions']>;

/** The figures a viewer may see for a round: the workspace's, or a lead's own team group. */
function figuresOf(round: TrendRound, lead: boolean): Figures {
  if (!lead) return round.questions;
  const group = round.groups?.[0];
  return group && !group.suppressed ? (group.questions ?? []) : [];
}

/** The chart series, read straight off the trends response (no figure is recomputed). */
export function overviewCharts(trends: Trends, lead: boolean) {
  const labels = trends.rounds.map((r) => r.closedAt.slice(0, 10));
  const byKind = (kind: 'enps' | 'scale5', field: 'enps' | 'favorability') => {
    const prompts = new Map<string, string>();
    for (const r of trends.rounds)
      for (const q of figuresOf(r, lead)) if (q.kind === kind) prompts.set(q.questionId, q.prompt);
    return [...prompts].map(([id, prompt]) => ({
      label: prompt,
      data: trends.rounds.map((r) => {
        const q = figuresOf(r, lead).find((x) => x.questionId === id);
        return q && !q.suppressed ? q[field] : null;
      }),
    }));
  };
  const participation: ChartSpec = {
    labels,
    series: [
      {
        label: 'Participation (%)',
        data: trends.rounds.map((r) => Math.round(r.participation.rate * 1000) / 10),
      },
    ],
    min: 0,
    max: 100,
  };
  const enps: ChartSpec = { labels, series: byKind('enps', 'enps'), min: -100, max: 100 };
  const favorability: ChartSpec = {
    labels,
    series: byKind('scale5', 'favorability'),
    min: 0,
    max: 100,
  };
  return { participation, enps, favorability };
}

function chart(id: string, title: string, spec: ChartSpec, unit: string): SafeHtml {
  if (spec.series.length === 0) {
    return html`<section class="chart" aria-labelledby="${id}-h">
      <h2 id="${id}-h">${title}</h2>
      <p class="muted">No round of this survey asked this yet.</p>
    </section>`;
  }
  return html`<section class="chart" aria-labelledby="${id}-h">
    <h2 id="${id}-h">${title}</h2>
    <div class="chart-box">
      <canvas
        id="${id}"
        data-chart="${id}-data"
        role="img"
        aria-label="${title} per closed round; the same figures are in the table below"
      ></canvas>
    </div>
    ${jsonData(`${id}-data`, spec)}
    <details>
      <summary>${title} as a table</summary>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Round closed</th>
              ${spec.series.map((s) => html`<th scope="col">${s.label}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${spec.labels.map(
              (label, i) =>
                html`<tr>
                  <th scope="row">${label}</th>
                  ${spec.series.map(
                    (s) =>
                      html`<td>
                        ${s.data[i] === null ? 'suppressed / not asked' : `${s.data[i]}${unit}`}
                      </td>`,
                  )}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>
  </section>`;
}

function latestCards(trends: Trends, lead: boolean): SafeHtml {
  const last = trends.rounds[trends.rounds.length - 1];
  const figures = figuresOf(last, lead);
  const cards = [
    html`<div class="card">
      <p class="figure" data-latest="participation">
        ${Math.round(last.participation.rate * 1000) / 10}%
      </p>
      <p class="label">
        participation (${last.participation.responded} of ${last.participation.invited})
      </p>
    </div>`,
    ...figures
      .filter((q) => q.kind === 'enps' || q.kind === 'scale5')
      .map(
        (q) =>
          html`<div class="card">
            <p class="figure">
              ${
                q.suppressed
                  ? 'Suppressed'
                  : q.kind === 'enps'
                    ? `${q.enps ?? '–'}`
                    : `${q.favorability ?? '–'}%`
              }
            </p>
            <p class="label">${q.kind === 'enps' ? 'eNPS' : 'favorable'}: ${q.prompt}</p>
          </div>`,
      ),
  ];
  return html`<h2>Latest round (closed ${last.closedAt.slice(0, 10)})</h2>
    ${
      lead && figures.length === 0
        ? html`<p class="muted">
            Your team’s figures are suppressed for this round: fewer than ${last.k} answers could be
            shown safely.
          </p>`
        : ''
    }
    <div class="cards">${cards}</div>`;
}

export function overviewPage(
  ctx: PageContext,
  data: {
    surveys: { id: string; title: string }[];
    selected: { id: string; title: string } | null;
    trends: Trends | null;
  },
): string {
  const lead = ctx.principal.role === 'lead';
  if (!data.selected || !data.trends) {
    return page(
      'Overview',
      ctx,
      emptyState(
        'No survey yet.',
        isHr(ctx.principal)
          ? html`Create one from a template on the <a href="/surveys">Surveys</a> page, then open
              its first round. Results appear here once a round closes.`
          : 'Your HR team has not created a survey yet. Results appear here once a round closes.',
      ),
    );
  }
  const picker =
    data.surveys.length > 1
      ? html`<form method="get" action="/">
          <label for="survey">Survey</label>
          <select id="survey" name="survey">
            ${data.surveys.map(
              (s) =>
                html`<option value="${s.id}" ${s.id === data.selected!.id ? 'selected' : ''}>
                  ${s.title}
                </option>`,
            )}
          </select>
          <button type="submit" class="secondary">Show</button>
        </form>`
      : '';
  if (data.trends.rounds.length === 0) {
    return page(
      'Overview',
      ctx,
      html`${picker}
        <h2>${data.selected.title}</h2>
        ${emptyState(
          'No closed round yet.',
          isHr(ctx.principal)
            ? html`Open a round from the <a href="/surveys">Surveys</a> page. Results are released
                when it closes, never while people answer.`
            : 'Results are released when a round closes, never while people answer.',
        )}`,
    );
  }
  const charts = overviewCharts(data.trends, lead);
  return page(
    'Overview',
    ctx,
    html`${picker}
      <h2>${data.trends.title}${lead ? ' — your team' : ''}</h2>
      ${latestCards(data.trends, lead)}
      <div class="charts">
        ${chart('chart-participation', 'Participation', charts.participation, '%')}
        ${chart('chart-enps', 'eNPS', charts.enps, '')}
        ${chart('chart-favorability', 'Favorability (% answering 4 or 5)', charts.favorability, '%')}
      </div>`,
    { charts: true },
  );
}
