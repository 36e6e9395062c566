/**
 * Runs the benchmarks' TypeScript directly: a require hook compiling .ts files with @swc/core,
 * with the settings of `.swcrc` / jest.config.js (legacy decorators + decorator metadata).
 *
 * Why not tsx: esbuild (which tsx uses) does not emit `emitDecoratorMetadata`, so Nest's
 * constructor injection gets `design:paramtypes === undefined` and the app cannot boot.
 * @swc/core is already a devDependency (the build and jest use it), so this adds nothing.
 *
 * Usage: node -r ./bench/swc-register.cjs bench/pulse-ingest.ts
 */
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- a require hook is CommonJS by nature */
'use strict';
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...options, filename });
  module._compile(code, filename);
};
