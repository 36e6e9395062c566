import type { Role } from '../people/person.entity';

/** Who is calling the API, resolved from a credential; every service call is scoped by it. */
export interface Principal {
  workspaceId: string;
  role: Role;
  /** Set for leads: the one team they may read. */
  teamId: string | null;
  via: 'operator' | 'token' | 'session';
  tokenId?: string;
  personId?: string;
}
