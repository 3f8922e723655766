#!/usr/bin/env bash
# Runs tests/zuul/validate_zuul.py on edited copies of the repository's Zuul configuration:
# what Zuul would refuse must fail, a deployment's encrypted secrets must pass. Needs the venv
# of tests/zuul/validate.sh on PATH (validate.sh runs this).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

failures=0
# check NAME EXPECTED(valid|invalid) [MESSAGE]: validate $work/copy, expect the outcome.
check() {
  local name="$1" expected="$2" message="${3:-}" output status=0
  output="$(python "$repo/tests/zuul/validate_zuul.py" "$work/copy" 2>&1)" || status=$?
  if [[ "$expected" == valid && "$status" != 0 ]] ||
     [[ "$expected" == invalid && "$status" == 0 ]] ||
     [[ -n "$message" && "$output" != *"$message"* ]]; then
    echo "FAIL: $name: expected $expected${message:+ with \"$message\"}, got (exit $status):"
    echo "$output"
    failures=$((failures + 1))
  else
    echo "ok: $name"
  fi
}
# fresh: a copy of what Zuul reads.
fresh() {
  rm -rf "$work/copy"
  mkdir -p "$work/copy/zuul"
  cp -r "$repo/.zuul.yaml" "$repo/playbooks" "$work/copy/"
  cp "$repo/zuul/secrets.yaml" "$work/copy/zuul/"
}

fresh
check "the repository's configuration" valid

fresh
sed -i '0,/parent: scs-check-nightly$/s//parnet: scs-check-nightly/' "$work/copy/.zuul.yaml"
check "a misspelt job attribute" invalid "extra keys not allowed @ data['parnet']"

fresh
sed -i 's/^    timeout: 7200$/    timeout: two hours/' "$work/copy/.zuul.yaml"
check "a wrong attribute type" invalid "expected int"

fresh
sed -i 's/secret: scs-check-monitor$/secret: scs-check-monitr/' "$work/copy/.zuul.yaml"
check "an unknown secret" invalid "secret 'scs-check-monitr' is neither defined"

fresh
rm "$work/copy/playbooks/cleanup.yaml"
check "a missing playbook" invalid "cleanup-run playbook playbooks/cleanup.yaml does not exist"

fresh
sed -i 's/parent: scs-check-base$/parent: scs-check-bsae/' "$work/copy/.zuul.yaml"
check "an unknown parent" invalid "parent 'scs-check-bsae' is not defined"

# What a deployment adds: the secrets, encrypted by zuul-client (the ciphertext is not checked).
fresh
cat >>"$work/copy/.zuul.yaml" <<'YAML'

- secret:
    name: scs-check-monitor
    data:
      account: zuul_ci
      password: !encrypted/pkcs1-oaep
        - aGVsbG8gd29ybGQgdGhpcyBpcyBub3QgYSByZWFsIGNpcGhlcnRleHQ=
      signing_key: !encrypted/pkcs1-oaep
        - aGVsbG8gd29ybGQgdGhpcyBpcyBub3QgYSByZWFsIGNpcGhlcnRleHQ=
        - aGVsbG8gd29ybGQgdGhpcyBpcyBub3QgYSByZWFsIGNpcGhlcnRleHQ=
YAML
check "encrypted secrets added by a deployment" valid
sed -i '/^      account: zuul_ci$/d' "$work/copy/.zuul.yaml"
check "a secret without a key the playbooks read" invalid "secret scs-check-monitor: no account"

if [[ "$failures" != 0 ]]; then
  echo "$failures validator test(s) failed"
  exit 1
fi
