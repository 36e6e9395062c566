/** Pages shown without a session: the link's confirmation, signed out, and refusals. */
import { page } from './layout';
import { html } from './html';

/**
 * Opening a link shows one button; the POST burns the link. Link previews and mail scanners
 * fetch GET URLs, so a GET that burned the link would let them spend it before the person.
 */
export function confirmSignInPage(token: string): string {
  return page(
    'Sign in',
    null,
    html`<form method="post" action="/auth/link" class="card">
      <input type="hidden" name="token" value="${token}" />
      <p>This one-time link signs you in to the Pulsedesk dashboard on this browser.</p>
      <p><button type="submit">Continue to the dashboard</button></p>
    </form>`,
  );
}

export function signedOutPage(): string {
  return page(
    'Signed out',
    null,
    html`<p>You are signed out. To sign in again, type <code>/pulse dashboard</code> in Slack.</p>`,
  );
}

export function problemPage(title: string, message: string, hint?: string): string {
  return page(
    title,
    null,
    html`<p class="error" role="alert">${message}</p>
      ${hint ? html`<p>${hint}</p>` : ''}`,
  );
}
