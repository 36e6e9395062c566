/** The people feature's queue: a workspace's members imported from Slack. */
export const PEOPLE_SYNC_QUEUE = 'people.sync';

export interface PeopleSyncJobData {
  workspaceId: string;
  /** The Slack user who installed the app; they become a Pulsedesk admin. */
  makeAdmin: string | null;
  /** Resume from this users.list cursor (a sync a rate limit stopped part-way). */
  cursor?: string;
}
