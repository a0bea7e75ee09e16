#!/usr/bin/env bash
# Everything CI checks on a pull request. Run it locally the same way, before pushing:
#   .github/scripts/pull-request.sh origin/main
# Problems appear as GitHub annotations on the changed lines; the change summary goes to the
# job summary ($GITHUB_STEP_SUMMARY), or to standard output outside GitHub Actions.
set -uo pipefail
base="${1:-origin/main}"
summary="${GITHUB_STEP_SUMMARY:-/dev/stdout}"
status=0
step() { echo "::group::$*"; "$@" || status=1; echo "::endgroup::"; }

step crm validate --format github
step crm fmt --check
step crm codeowners --check
step crm forms --check
echo "::group::crm diff $base"
crm diff "$base" --format markdown >> "$summary" || status=1
echo "::endgroup::"
if [ "$status" -eq 0 ]; then
    step properdocs build --strict -f mkdocs.yml --site-dir "${SITE_DIR:-build/site}"
fi
exit "$status"
