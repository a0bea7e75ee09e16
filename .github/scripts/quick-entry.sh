#!/usr/bin/env bash
# Turn a submitted issue form into a pull request with the validated change, or comment on the
# issue with what is wrong. Inputs (environment): FORM (a form's name: new-customer, log-interaction,
# add-order, open-case, resolve-case, add-contact) or LABELS (the issue's labels, space-separated: the
# first crm:NAME names the form), ISSUE_BODY, ISSUE_NUMBER, ISSUE_AUTHOR, GH_TOKEN (only to push and
# post). With PLAINCRM_PUSH=0
# nothing leaves the machine: the branch and commit are made locally and the pull request or
# comment is printed.
#
# The body is anyone's text: crm reads it without the token, and everything posted back is the
# Markdown crm wrote (`--markdown`), where the answers are code: no link, heading or @mention.
set -euo pipefail
if [ -z "${FORM:-}" ]; then
    for label in ${LABELS:-}; do
        case "$label" in crm:*) FORM="${label#crm:}"; break ;; esac
    done
fi
[[ "${FORM:-}" =~ ^[a-z][a-z-]*$ ]] || { echo "quick-entry: no crm:FORM label names a form" >&2; exit 2; }
: "${FORM:?}" "${ISSUE_BODY?}" "${ISSUE_NUMBER:?}" "${ISSUE_AUTHOR:?}"
[[ "$ISSUE_NUMBER" =~ ^[0-9]+$ ]] || { echo "quick-entry: ISSUE_NUMBER is not a number" >&2; exit 2; }
[[ "$ISSUE_AUTHOR" =~ ^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$ ]] || { echo "quick-entry: ISSUE_AUTHOR is not a login" >&2; exit 2; }
push="${PLAINCRM_PUSH:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%s\n' "$ISSUE_BODY" > "$work/body.md"

if env -u GH_TOKEN crm from-issue --form "$FORM" --body-file "$work/body.md" --author "$ISSUE_AUTHOR" \
        --markdown "$work/post.md" > "$work/files.txt"; then
    mapfile -t files < "$work/files.txt"  # the record, then CODEOWNERS when a new customer changed it
    record="${files[0]}"
    branch="crm/issue-$ISSUE_NUMBER"
    git switch -q -c "$branch"
    git add -- "${files[@]}"
    git -c user.name="plaincrm quick entry" -c user.email="quick-entry@users.noreply.github.com" \
        commit -q --author="$ISSUE_AUTHOR <$ISSUE_AUTHOR@users.noreply.github.com>" \
        -m "$FORM: $record (#$ISSUE_NUMBER)" -m "From the issue form; closes #$ISSUE_NUMBER."
    { echo "From the issue form. Closes #$ISSUE_NUMBER."; echo; cat "$work/post.md"; } > "$work/pr.md"
    if [ "$push" = "1" ]; then
        # the token reaches git for this one push only (the checkout keeps no credentials)
        git -c credential.helper= -c credential.helper='!gh auth git-credential' push -q origin "$branch"
        gh pr create --head "$branch" --title "$FORM: $record" --body-file "$work/pr.md"
    else
        echo "pull request: $branch: $FORM: $record"
        cat "$work/pr.md"
    fi
else
    [ -s "$work/post.md" ] || exit 2  # crm could not start (a usage error): nothing to tell the author
    if [ "$push" = "1" ]; then
        gh issue comment "$ISSUE_NUMBER" --body-file "$work/post.md"
    else
        cat "$work/post.md"
    fi
    exit 1
fi
