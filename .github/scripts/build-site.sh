#!/usr/bin/env bash
# Build the site for publishing: today's reminders, the whole history (the workflow fetches it).
set -euo pipefail
if [ "$(git rev-parse --is-shallow-repository 2>/dev/null || echo false)" = "true" ]; then
    echo "::warning::shallow clone: the record histories will be partial (checkout with fetch-depth: 0)"
fi
properdocs build --strict -f mkdocs.yml --site-dir "${SITE_DIR:-build/site}"
