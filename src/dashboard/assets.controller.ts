/** The dashboard's static files, from our own origin: Chart.js from node_modules, our CSS and JS. */
import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import * as path from 'node:path';
import { Public } from '../auth/auth.decorators';
import { DASHBOARD_CSS, DASHBOARD_JS } from './dashboard.assets';

// The package's exports map hides dist/; its main entry sits beside the UMD build.
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
const CACHE = 'public, max-age=3600';

@ApiExcludeController()
@Public()
@Controller('assets')
export class AssetsController {
  @Get('chart.umd.js')
  chart(@Res() res: Response): void {
    res.setHeader('Cache-Control', CACHE);
    res.type('application/javascript').sendFile(CHART_JS);
  }

  @Get('dashboard.js')
  @Header('Content-Type', 'application/javascript; charset=utf-8')
  @Header('Cache-Control', CACHE)
  script(): string {
    return DASHBOARD_JS;
  }

  @Get('dashboard.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', CACHE)
  style(): string {
    return DASHBOARD_CSS;
  }
}
