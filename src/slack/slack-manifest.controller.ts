import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Public } from '../auth/auth.decorators';
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

export function manifestFor(publicUrl: string): unknown {
  const raw = fs.readFileSync(path.join(projectRoot(), 'slack', 'manifest.json'), 'utf8');
  return JSON.parse(raw.split(MANIFEST_PLACEHOLDER_ORIGIN).join(publicUrl));
}

/** The Slack app manifest with this deployment's PUBLIC_URL filled in, ready to paste. */
@ApiTags('slack')
@Public()
@Controller('slack')
export class SlackManifestController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('manifest.json')
  @ApiOkResponse({ description: 'the Slack app manifest for this deployment' })
  manifest(): unknown {
    return manifestFor(this.config.publicUrl);
  }
}
