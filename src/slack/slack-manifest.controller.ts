import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Public } from '../common/public.decorator';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

export const MANIFEST_PLACEHOLDER_ORIGIN = 'https://pulsedesk.example.com';

/** The repository root: the nearest folder above this file that holds package.json. */
function projectRoot(from = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + from);
    dir = parent;
  }
  return dir;
}

interface Manifest {
  features: { slash_commands: Array<{ url?: string }> };
  settings: {
    event_subscriptions: { request_url?: string };
    interactivity: { request_url?: string };
    socket_mode_enabled: boolean;
  };
}

/**
 * The manifest with PUBLIC_URL filled in. In Socket Mode Slack sends everything over the
 * WebSocket, so the request URLs go and `socket_mode_enabled` is on; the OAuth redirect URL
 * stays (installing and /slack/connect still happen in a browser).
 */
export function manifestFor(publicUrl: string, socketMode = false): unknown {
  const raw = fs.readFileSync(path.join(projectRoot(), 'slack', 'manifest.json'), 'utf8');
  const manifest = JSON.parse(raw.split(MANIFEST_PLACEHOLDER_ORIGIN).join(publicUrl)) as Manifest;
  if (!socketMode) return manifest;
  for (const command of manifest.features.slash_commands) delete command.url;
  delete manifest.settings.event_subscriptions.request_url;
  delete manifest.settings.interactivity.request_url;
  manifest.settings.socket_mode_enabled = true;
  return manifest;
}

/** The Slack app manifest with this deployment's PUBLIC_URL filled in, ready to paste. */
@ApiTags('slack')
@Public()
@Controller('slack')
export class SlackManifestController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('manifest.json')
  @ApiOkResponse({
    description: 'the Slack app manifest for this deployment (Slack defines its fields)',
    schema: { type: 'object', required: ['display_information', 'settings'] },
  })
  manifest(): unknown {
    return manifestFor(this.config.publicUrl, this.config.slack.appToken !== undefined);
  }
}
