import { DiscoveryService } from '@nestjs/core';
import type { App } from '@slack/bolt';

/**
 * A feature's Slack interface: it registers its commands, actions, views and events on the Bolt
 * app. Listeners parse, call one service method and render; they hold no business rule.
 */
export interface SlackListener {
  register(app: App): void;
}

export const SlackListeners = DiscoveryService.createDecorator<void>();
