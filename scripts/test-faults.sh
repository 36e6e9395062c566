#!/usr/bin/env bash
# The fault-injection suite (docs/reliability.md): the built app as real processes, a Postgres
# of the suite's own (initdb + pg_ctl on a free port of 127.0.0.1, never the shared server),
# killed and restarted mid-run, and the Slack stand-in failing on purpose. Minutes long, so it
# is not part of `npm test`; CI runs it once.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "test-faults: no PostgreSQL binaries under /usr/lib/postgresql/*/bin" >&2
  exit 1
fi

# The suite needs no DATABASE_URL: each file initdb's its own server.
exec env -u DATABASE_URL -u TEST_DATABASE_URL \
  npx jest --config jest.faults.config.js "$@"
