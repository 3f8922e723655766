#!/usr/bin/env bash
# Validates the Zuul configuration offline (part of tests/run-all.sh):
#   1. .zuul.yaml against Zuul's own schemas, with its references (tests/zuul/validate_zuul.py),
#   2. ansible-playbook --syntax-check and ansible-lint on playbooks/,
#   3. the validator's own test (tests/zuul/test_validate.sh).
# Zuul and Ansible live in a venv under ~/.cache/scs-check/zuul-venv (SCS_ZUUL_VENV), made on
# first use and again when tests/zuul/requirements.txt changes (about 1.5 minutes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

venv="${SCS_ZUUL_VENV:-$HOME/.cache/scs-check/zuul-venv}"
requirements=tests/zuul/requirements.txt
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
  echo "== installing Zuul and Ansible into $venv"
  started=$SECONDS
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$requirements"
  echo "$want" >"$venv/.requirements.sha256"
  echo "   done in $((SECONDS - started)) s"
fi
export PATH="$venv/bin:$PATH"
# zuul_return is Zuul's; a stand-in lets Ansible resolve it offline.
export ANSIBLE_LIBRARY="$PWD/tests/zuul/library"

echo "== .zuul.yaml against Zuul's schemas"
python tests/zuul/validate_zuul.py .
echo "== ansible-playbook --syntax-check"
for playbook in playbooks/*.yaml; do
  ansible-playbook -i localhost, --syntax-check "$playbook" >/dev/null
done
echo "== ansible-lint"
ansible-lint -q -c tests/zuul/ansible-lint.yml playbooks/*.yaml playbooks/vars/*.yaml
echo "== the validator rejects what Zuul would"
bash tests/zuul/test_validate.sh
