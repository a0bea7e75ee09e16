#!/bin/sh
# Keep the git commands a team runs daily interactive in a repository of 100,000 records
# (benchmarks/bench_scale.py measures them with and without this):
# - changed-path Bloom filters in the commit-graph: `git log -- one/file` reads the trees of the
#   few commits that may have touched it instead of every commit's 100,000-entry folder
#   (10.5 s -> 0.5 s at 100,000 customers, 841 commits); later writes (fetch, gc, maintenance)
#   keep the filters once the graph has them;
# - feature.manyFiles: index v4 and the untracked cache, for `git status` over 100,000 files.
# Safe to run again; it changes only this clone's settings and its commit-graph.
set -eu
repo="${1:-.}"
git -C "$repo" config core.commitGraph true
git -C "$repo" config fetch.writeCommitGraph true
git -C "$repo" config gc.writeCommitGraph true
git -C "$repo" config feature.manyFiles true
git -C "$repo" commit-graph write --reachable --changed-paths
git -C "$repo" update-index --index-version 4 --untracked-cache
echo "git tuned for a large repository: $(cd "$repo" && pwd)"
