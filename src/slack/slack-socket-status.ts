import { Injectable } from '@nestjs/common';
import type { SlackSocketState } from './socket-mode-supervisor';

/**
 * The state of the Socket Mode connection, for /health. Undefined when Slack reaches Pulsedesk
 * over HTTP (or not at all): there is no connection of ours to report then.
 */
@Injectable()
export class SlackSocketStatus {
  private state?: SlackSocketState;

  get current(): SlackSocketState | undefined {
    return this.state;
  }

  set(state: SlackSocketState): void {
    this.state = state;
  }
}
