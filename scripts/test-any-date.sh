#!/usr/bin/env bash
# Proof that no test depends on the calendar date or the machine's time zone: the tests run
# with the system clock moved by libfaketime (LD_PRELOAD: the jest workers, the embedded
# Postgres and the app processes the tests spawn all see it) and TZ far from UTC, on the
# embedded engine:
#
#   1. the whole suite, a year ahead, in Pacific/Kiritimati (UTC+14);
#   2. the date-sensitive files below, from 23:30 on 28 February 2031 in America/St_Johns
#      (UTC-3:30): local and UTC dates differ, the month ends within the UTC day, and
#      February has no 29th. FAKETIME_DONT_RESET keeps every process on one timeline (by
#      default each new process would start again at 23:30:00).
#
# Usage: scripts/test-any-date.sh [--full] [-- jest arguments]
#   --full   the whole suite in both settings
#   -- ...   these jest arguments instead, in both settings (e.g. -- test/e2e/focus)
set -euo pipefail
cd "$(dirname "$0")/.."

# Date-sensitive: every unit spec (seconds in all), the integration specs (pacing windows, job
# due times), and the e2e files about schedules, focus blocks, round windows, expiry and request
# signatures. Run in setting 1 only: focus-crash (two minutes of real-time waiting for pg-boss's
# job expiry; the app process it spawns is checked on the faked clock there), processes (boot,
# restart, replicas), and the anonymity, answer-batch, people, HTTP and health files.
DATE_SENSITIVE_TESTS=(
  src/
  test/support/
  test/integration/
  test/e2e/focus.e2e-spec.ts
  test/e2e/focus-faults.e2e-spec.ts
  test/e2e/pulse-lifecycle.e2e-spec.ts
  test/e2e/pulse-round.e2e-spec.ts
  test/e2e/slack-endpoint.e2e-spec.ts
  test/e2e/slack-oauth.e2e-spec.ts
)

full=0
jest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --full) full=1 ;;
    --) shift; jest_args=("$@"); break ;;
    *) echo "usage: $0 [--full] [-- jest arguments]" >&2; exit 64 ;;
  esac
  shift
done

if ! command -v faketime >/dev/null; then
  echo "== installing faketime"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq faketime >/dev/null
fi

# run ZONE EXPECTED_EPOCH EXPECTED_OFFSET_MINUTES -- FAKETIME_COMMAND... -- JEST_ARGS...
# Checks first that node sees the faked clock and zone (a preload that did not take would make
# the run prove nothing), then runs jest under them.
run() {
  local zone=$1 epoch=$2 offset=$3
  shift 4
  local -a fake=()
  while [ "$1" != "--" ]; do fake+=("$1"); shift; done
  shift
  local seen
  seen=$(env TZ="$zone" "${fake[@]}" node -e \
    'process.stdout.write(`${Math.round(Date.now() / 1000)} ${-new Date().getTimezoneOffset()}`)')
  local seen_epoch=${seen% *} seen_offset=${seen#* }
  if [ "$seen_offset" != "$offset" ] || [ $((seen_epoch - epoch)) -gt 600 ] ||
    [ $((epoch - seen_epoch)) -gt 600 ]; then
    echo "faketime is not in effect: node saw '$seen', expected about '$epoch $offset'" >&2
    exit 1
  fi
  echo "== TZ=$zone ${fake[*]}: node starts at $(env TZ="$zone" "${fake[@]}" date -Iseconds)"
  env -u DATABASE_URL -u TEST_DATABASE_URL TZ="$zone" "${fake[@]}" \
    node node_modules/jest/bin/jest.js "$@"
}

if [ ${#jest_args[@]} -gt 0 ]; then
  first=("${jest_args[@]}") second=("${jest_args[@]}")
elif [ "$full" -eq 1 ]; then
  first=() second=()
else
  # One file at a time a year ahead: under libfaketime every clock read is slower, and with two
  # files at once a slash command's ack in focus-faults once missed Bolt's 3 s (a 404).
  first=(--maxWorkers=1) second=("${DATE_SENSITIVE_TESTS[@]}")
fi

# 1. A year ahead, UTC+14.
run Pacific/Kiritimati $(($(date +%s) + 365 * 86400)) 840 \
  -- faketime '+365 days' -- "${first[@]}"

# 2. 23:30 on the last day of February 2031 in Newfoundland: 03:00 on 1 March UTC.
run America/St_Johns "$(date -d '2031-03-01T03:00:00Z' +%s)" -210 \
  -- env FAKETIME_DONT_RESET=1 faketime -f '@2031-02-28 23:30:00' -- "${second[@]}"

echo "== the tests pass on any date, in any zone"
