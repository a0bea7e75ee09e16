#!/usr/bin/env bash
# Turn a submitted issue form into a pull request with the validated change, or comment on the
# issue with what is wrong. Inputs (environment): FORM (new-customer | log-interaction),
# ISSUE_BODY, ISSUE_NUMBER, ISSUE_AUTHOR. With PLAINCRM_PUSH=0 nothing leaves the machine:
# the branch and commit are made locally and the pull request or comment is printed.
set -euo pipefail
: "${FORM:?}" "${ISSUE_BODY?}" "${ISSUE_NUMBER:?}" "${ISSUE_AUTHOR:?}"
push="${PLAINCRM_PUSH:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%s\n' "$ISSUE_BODY" > "$work/body.md"

if crm from-issue --form "$FORM" --body-file "$work/body.md" --author "$ISSUE_AUTHOR" > "$work/out.txt"; then
    file="$(tail -n 1 "$work/out.txt")"
    branch="crm/issue-$ISSUE_NUMBER"
    git switch -q -c "$branch"
    git add -- "$file"
    git -c user.name="plaincrm quick entry" -c user.email="quick-entry@users.noreply.github.com" \
        commit -q --author="$ISSUE_AUTHOR <$ISSUE_AUTHOR@users.noreply.github.com>" \
        -m "$FORM: $file (#$ISSUE_NUMBER)" -m "From the issue form; closes #$ISSUE_NUMBER."
    if [ "$push" = "1" ]; then
        git push -q origin "$branch"
        gh pr create --head "$branch" --title "$FORM: $file" --body "From the issue form. Closes #$ISSUE_NUMBER."
    else
        echo "pull request: $branch: $FORM: $file"
    fi
else
    { echo "The form could not be turned into a change:"; echo; echo '```'; cat "$work/out.txt"; echo '```';
      echo; echo "Edit the issue to fix it; this check runs again."; } > "$work/comment.md"
    if [ "$push" = "1" ]; then
        gh issue comment "$ISSUE_NUMBER" --body-file "$work/comment.md"
    else
        cat "$work/comment.md"
    fi
    exit 1
fi
