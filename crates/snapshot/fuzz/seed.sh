#!/bin/sh
# Seeds the fuzz corpora from the repository's fixtures: every snapshot and
# JSON fixture for the snapshot target, every TOML file (and the README's
# example config) for the config target. The corpora are not committed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
mkdir -p "$here/corpus/snapshot" "$here/corpus/config"
find "$root/fixtures" -name '*.json' | while read -r f; do
    cp "$f" "$here/corpus/snapshot/$(printf '%s' "$f" | cksum | cut -d' ' -f1).json"
done
find "$root" -name '*.toml' -not -path '*/target/*' -not -path '*/corpus/*' | while read -r f; do
    cp "$f" "$here/corpus/config/$(printf '%s' "$f" | cksum | cut -d' ' -f1).toml"
done
# The example config in the README, between its ```toml fence and the next fence.
awk '/^```toml/{on=1; next} /^```/{on=0} on' "$root/README.md" > "$here/corpus/config/readme.toml"
echo "seeded: $(ls "$here/corpus/snapshot" | wc -l) snapshot, $(ls "$here/corpus/config" | wc -l) config inputs"
