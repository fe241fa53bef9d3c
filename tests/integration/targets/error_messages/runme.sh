#!/usr/bin/env bash
# The collection's own error messages read the same on every ansible-core:
# each failing case's message holds the collection's text exactly once, and
# none of ansible-core's templating wrappers around it.
set -eux -o pipefail
export ANSIBLE_DEPRECATION_WARNINGS=true  # ansible-test turns them off; TESTING.md says why they are on

OUT="$(mktemp -d /tmp/peerage-error-messages.XXXXXX)"
trap 'rm -rf "${OUT}"' EXIT

ansible-playbook -i localhost, -c local -e "out_dir=${OUT}" cases.yml "$@"
