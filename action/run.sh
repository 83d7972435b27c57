#!/usr/bin/env bash
# The GitHub Action's lint step (action.yml), also run by the tests: SARIF for code scanning,
# workflow annotations on the diff, a Markdown summary for the job page. The exit code goes to the
# step output `exit-code`, so the SARIF upload runs before the job fails.
set -uo pipefail
bin="${MIGSAFE_BIN:-$(dirname "$0")/../bin/migsafe.js}"
read -r -a paths <<< "${INPUT_PATHS:-.}"
args=()
if [ -n "${INPUT_PG_VERSION:-}" ]; then args+=(--pg-version "$INPUT_PG_VERSION"); fi
if [ -n "${INPUT_CONFIG:-}" ]; then args+=(--config "$INPUT_CONFIG"); fi
if [ -n "${INPUT_BASE_REF:-}" ]; then args+=(--changed-since "$INPUT_BASE_REF"); fi

node "$bin" lint "${paths[@]}" "${args[@]}" --format sarif --output "${INPUT_SARIF_FILE:-migsafe.sarif}" --fail-on never
sarif=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  node "$bin" lint "${paths[@]}" "${args[@]}" --format markdown --fail-on never >> "$GITHUB_STEP_SUMMARY"
fi
node "$bin" lint "${paths[@]}" "${args[@]}" --format github --fail-on "${INPUT_FAIL_ON:-error}"
code=$?
if [ "$sarif" -ne 0 ]; then code=$sarif; fi
echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
exit 0
