// The fault-injection suite (scripts/test-faults.sh): real app processes and a Postgres server
// of the suite's own, killed and restarted on purpose. Minutes long, so it is not part of
// `npm test` (jest.config.js matches no *.fault-spec.ts); CI runs it once.
const base = require('./jest.config.js');

const { globalTeardown: _sharedTeardown, ...rest } = base;

module.exports = {
  ...rest,
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  // Builds the app once; every file brings its own Postgres (test/support/own-postgres.ts).
  globalSetup: '<rootDir>/test/faults/global-setup.ts',
  testTimeout: 600_000,
  maxWorkers: 2,
};
