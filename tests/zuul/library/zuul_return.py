#!/usr/bin/python
"""Stand-in for Zuul's `zuul_return` action (Zuul provides it on the executor), so that
ansible-playbook --syntax-check and ansible-lint resolve it offline."""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec={"data": {"type": "dict"}, "file": {"type": "str"}},
        supports_check_mode=True,
    )
    module.exit_json(changed=False)


if __name__ == "__main__":
    main()
