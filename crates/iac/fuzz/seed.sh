#!/bin/sh
# Seeds the fuzz corpora from the repository's fixtures (files under 64 KiB):
# the Terraform plans for the plan target, the CloudFormation templates for
# the template target. The corpora are not committed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
mkdir -p "$here/corpus/plan" "$here/corpus/template"
for f in "$root"/fixtures/iac/terraform/*/plan.json "$root/crates/iac/tests/hcl/plan.json"; do
    [ "$(wc -c < "$f")" -lt 65536 ] || continue
    cp "$f" "$here/corpus/plan/$(printf '%s' "$f" | cksum | cut -d' ' -f1).json"
done
for f in "$root"/fixtures/iac/cfn/*; do
    [ -f "$f" ] && [ "$(wc -c < "$f")" -lt 65536 ] || continue
    cp "$f" "$here/corpus/template/$(printf '%s' "$f" | cksum | cut -d' ' -f1)-${f##*/}"
done
echo "seeded: $(ls "$here/corpus/plan" | wc -l) plan, $(ls "$here/corpus/template" | wc -l) template inputs"
