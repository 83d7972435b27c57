#!/usr/bin/env bash
# The GitHub Action's lint step (action.yml), also run by the tests. One lint run writes every
# report: workflow annotations on the diff (stdout), SARIF for code scanning, and a Markdown summary
# for the job page. The exit code goes to the step output `exit-code`, so that the optional SARIF
# upload runs before the job fails.
set -uo pipefail
bin="${MIGSAFE_BIN:-$(dirname "$0")/../bin/migsafe.js}"
sarif="${INPUT_SARIF_FILE:-migsafe.sarif}"
read -r -a paths <<< "${INPUT_PATHS:-.}"
args=()
if [ -n "${INPUT_PG_VERSION:-}" ]; then args+=(--pg-version "$INPUT_PG_VERSION"); fi
if [ -n "${INPUT_CONFIG:-}" ]; then args+=(--config "$INPUT_CONFIG"); fi
if [ -n "${INPUT_BASELINE:-}" ]; then args+=(--baseline "$INPUT_BASELINE"); fi

finish() {
  echo "exit-code=$1" >> "${GITHUB_OUTPUT:-/dev/null}"
  exit 0
}

if [ -n "${INPUT_BASE_REF:-}" ]; then
  # Only the migrations the pull request adds or changes. The base commit must be in the checkout:
  # actions/checkout fetches one commit unless told otherwise.
  if ! git cat-file -e "${INPUT_BASE_REF}^{commit}" 2>/dev/null; then
    git fetch --quiet --no-tags --depth=1 origin "$INPUT_BASE_REF" 2>/dev/null || true
  fi
  if ! git cat-file -e "${INPUT_BASE_REF}^{commit}" 2>/dev/null; then
    message="the base commit ${INPUT_BASE_REF} is not in this checkout, so migsafe cannot tell which migrations the change adds. Check out with history: actions/checkout with fetch-depth: 0 (or set the input base-ref: '' to lint every migration)."
    echo "::error title=migsafe::${message}"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '### migsafe: not run\n\n%s\n' "$message" >> "$GITHUB_STEP_SUMMARY"; fi
    finish 2
  fi
  args+=(--changed-since "$INPUT_BASE_REF")
fi

summary="$(mktemp)"
node "$bin" lint "${paths[@]}" "${args[@]}" --format github --also "sarif=$sarif" --also "markdown=$summary" --fail-on "${INPUT_FAIL_ON:-error}"
code=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$summary" >> "$GITHUB_STEP_SUMMARY"; fi
rm -f "$summary"
finish "$code"
