/** Scopes requested at install (bot) and at /slack/connect (the agent's own token). */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'im:write',
  'users:read',
  'users:read.email',
  'channels:read',
] as const;

export const USER_SCOPES = [
  'users.profile:read',
  'users.profile:write',
  'dnd:read',
  'dnd:write',
] as const;
