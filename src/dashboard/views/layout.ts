/** The page frame every dashboard page shares: navigation by role, sign-out, skip link. */
import type { Principal } from '../../auth/principal';
import { html, SafeHtml } from './html';

export interface PageContext {
  principal: Principal;
  csrfToken: string;
  /** The nav entry to mark as current. */
  current: NavKey;
}

export type NavKey =
  'overview' | 'heatmap' | 'surveys' | 'stories' | 'focus' | 'settings' | 'round';

const NAV: { key: NavKey; href: string; label: string; hrOnly: boolean }[] = [
  { key: 'overview', href: '/', label: 'Overview', hrOnly: false },
  { key: 'heatmap', href: '/heatmap', label: 'Heatmap', hrOnly: false },
  { key: 'surveys', href: '/surveys', label: 'Surveys', hrOnly: true },
  { key: 'stories', href: '/stories', label: 'Stories', hrOnly: true },
  { key: 'focus', href: '/focus', label: 'Focus', hrOnly: false },
  { key: 'settings', href: '/settings', label: 'Settings', hrOnly: true },
];

export function isHr(principal: Principal): boolean {
  return principal.role === 'hr' || principal.role === 'admin';
}

export function page(
  title: string,
  ctx: PageContext | null,
  body: SafeHtml,
  options: { charts?: boolean } = {},
): string {
  const nav = ctx
    ? html`<nav aria-label="Dashboard">
        <ul>
          ${NAV.filter((n) => !n.hrOnly || isHr(ctx.principal)).map(
            (n) =>
              html`<li>
                <a href="${n.href}" ${n.key === ctx.current ? html`aria-current="page"` : ''}
                  >${n.label}</a
                >
              </li>`,
          )}
        </ul>
        <form method="post" action="/auth/sign-out" class="sign-out">
          <input type="hidden" name="_csrf" value="${ctx.csrfToken}" />
          <button type="submit">Sign out</button>
        </form>
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Pulsedesk</title>
        <link rel="stylesheet" href="/assets/dashboard.css" />
        ${ctx ? html`<meta name="csrf-token" content="${ctx.csrfToken}" />` : ''}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <p class="brand">Pulsedesk</p>
          ${nav}
        </header>
        <main id="main">
          <h1>${title}</h1>
          ${body}
        </main>
        ${options.charts ? html`<script src="/assets/chart.umd.js"></script>` : ''}
        <script src="/assets/dashboard.js"></script>
      </body>
    </html>`.value;
}

/** An empty state: what is missing and what to do next. */
export function emptyState(what: string, next: SafeHtml | string): SafeHtml {
  return html`<div class="empty">
    <p><strong>${what}</strong></p>
    <p>${next}</p>
  </div>`;
}

export function notice(text: string | undefined): SafeHtml {
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}
