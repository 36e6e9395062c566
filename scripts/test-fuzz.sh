#!/usr/bin/env bash
# The long fuzz run: test/e2e/fuzz.e2e-spec.ts with FUZZ_RUNS runs per property (default 3,400:
# slash commands, interactions and API calls 3,400 each, events 850 — over 10,000 generated
# requests in all), on whatever database the environment names (embedded without DATABASE_URL).
# npm test runs the same file with 100 runs per property. FUZZ_SEED replays a failure (the
# failing seed is printed by fast-check); by default each run uses a new seed, printed below.
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_RUNS="${FUZZ_RUNS:-3400}"
export FUZZ_SEED="${FUZZ_SEED:-$(( $(date +%s) % 2147483647 ))}"
echo "== fuzz: FUZZ_RUNS=$FUZZ_RUNS per property, FUZZ_SEED=$FUZZ_SEED"
npx jest test/e2e/fuzz.e2e-spec.ts "$@"
