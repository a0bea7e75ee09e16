#!/usr/bin/env bash
# Everything CI checks on a pull request. Run it locally the same way, before pushing:
#   .github/scripts/pull-request.sh origin/main
# Problems appear as GitHub annotations on the changed lines: every error (they fail the check) and the
# field guides' consistency warnings of the records the branch changes (they do not); the change
# summary, then those records' problems and warnings, go to the job summary ($GITHUB_STEP_SUMMARY),
# or to standard output outside GitHub Actions.
set -uo pipefail
base="${1:-origin/main}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
status=0
step() { echo "::group::$*"; "$@" || status=1; echo "::endgroup::"; }

# --history: the 24-hour rule reads when each interaction was committed (cached for the site build below)
dated=(--history)
if [ -n "${PLAINCRM_TODAY:-}" ]; then dated+=(--today "$PLAINCRM_TODAY"); fi
# the files this pull request changes: the guides' warnings are shown for them, not for every old record
mapfile -d '' changed < <(git diff -z --name-only --diff-filter=d "$base"...HEAD -- '*.yaml' 2>/dev/null)
step crm validate --format github --errors-only "${dated[@]}"
if [ "${#changed[@]}" -gt 0 ]; then
    crm validate --format github --warnings-only "${dated[@]}" -- "${changed[@]}" 2>/dev/null || true
fi
step crm fmt --check
step crm codeowners --check
step crm forms --check
echo "::group::crm diff $base"
crm diff "$base" --format markdown >> "$summary" || status=1
if [ "${#changed[@]}" -gt 0 ]; then  # then their problems and warnings, for the reviewer
    found="$(crm validate --format markdown "${dated[@]}" -- "${changed[@]}" 2>/dev/null)"
    if [ -n "$found" ]; then printf '\n%s\n' "$found" >> "$summary"; fi
fi
echo "::endgroup::"
if [ "$status" -eq 0 ]; then
    step properdocs build --strict -f mkdocs.yml --site-dir "${SITE_DIR:-build/site}"
fi
exit "$status"
