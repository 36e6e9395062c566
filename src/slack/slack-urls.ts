/**
 * Where an agent connects their own Slack account (SlackOAuthController's `connect`), so that
 * focus blocks can set their status and Do-Not-Disturb. The Home tab and the /focus replies
 * both link to it.
 */
export function slackConnectUrl(publicUrl: string): string {
  return `${publicUrl}/slack/connect`;
}
