#!/usr/bin/env bash
# Each owner's follow-ups as one issue on the git host, assigned to them: created, updated in place,
# closed when nothing is due, reopened when something is (`crm remind-issues`; running it twice on
# one day changes nothing). Inputs (environment): GH_TOKEN and GH_REPO (gh's), SITE_URL (the
# published site, for links to the customers' pages; default: mkdocs.yml's site_url, else GitHub
# Pages' own address when run in GitHub Actions), PLAINCRM_LANG (default: the site's language),
# PLAINCRM_TODAY (default: today in $TZ, the team's time zone). With PLAINCRM_DRY_RUN=1 nothing is
# changed: the actions and the issues' text are printed.
#
# Bodies are written by crm and handed to gh on standard input, never through the shell.
set -euo pipefail
today="${PLAINCRM_TODAY:-$(date +%F)}"
[[ "$today" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || { echo "reminders: PLAINCRM_TODAY is not YYYY-MM-DD" >&2; exit 2; }
site="${SITE_URL:-}"
if [ -z "$site" ] && [ -n "${GITHUB_REPOSITORY:-}" ] && ! grep -Eq '^site_url:' mkdocs.yml 2>/dev/null; then
    # where .github/workflows/pages.yml publishes (a custom domain: set site_url in mkdocs.yml)
    owner="${GITHUB_REPOSITORY%%/*}" name="${GITHUB_REPOSITORY#*/}"
    owner="${owner,,}"
    if [ "${name,,}" = "$owner.github.io" ]; then site="https://$owner.github.io/"; else site="https://$owner.github.io/$name/"; fi
fi
args=(remind-issues --today "$today")
[ -z "$site" ] || args+=(--site-url "$site")
[ "${PLAINCRM_DRY_RUN:-0}" != "1" ] || args+=(--dry-run)
crm "${args[@]}"
