#!/usr/bin/env python3
"""Validates a project's .zuul.yaml offline with Zuul's own configuration schemas.

Every stanza is loaded with Zuul's YAML loader (duplicate keys, `!encrypted/pkcs1-oaep`) and
checked with the voluptuous schema Zuul itself applies (`zuul.configloader`: JobParser,
NodeSetParser, SecretParser, ProjectParser, ProjectTemplateParser, SemaphoreParser), so a
misspelt attribute fails here as it would in Zuul. Then references Zuul can only check inside
a tenant are checked against the repository:

- a job's `parent` and the jobs of project pipelines are defined here, or are jobs of the
  tenant's config project (EXTERNAL_JOBS);
- `nodeset` names a nodeset defined here;
- `secrets` name secrets defined here, or listed in zuul/secrets.yaml (a deployment adds them
  encrypted; see docs/ci.md); secrets defined here have the keys listed there;
- playbooks (`pre-run`, `run`, `post-run`, `cleanup-run`) exist.

Not checked (they belong to the tenant): pipeline names, node labels, that EXTERNAL_JOBS exist.

Usage: validate_zuul.py [REPO_ROOT]; exit code 0 valid, 1 invalid (each problem on stderr as
FILE:LINE: message).
"""

import pathlib
import sys

import voluptuous as vs
import yaml
from zuul import configloader, model

# Jobs every Zuul tenant's config project defines (zuul-jobs' `base` convention).
EXTERNAL_JOBS = {"base"}
PLAYBOOK_ATTRIBUTES = ("pre-run", "run", "post-run", "cleanup-run")


def schemas():
    """Zuul's schema per stanza type; the parsers need no tenant for their schemas."""
    return {
        "job": configloader.JobParser.schema,
        "nodeset": configloader.NodeSetParser(None).getSchema(),
        "secret": configloader.SecretParser(None).getSchema(),
        "project": configloader.ProjectParser(None).getSchema(),
        "project-template": configloader.ProjectTemplateParser(None).getSchema(),
        "semaphore": configloader.SemaphoreParser(None).getSchema(),
    }


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def names(items, key):
    """Names from a list of strings or of dicts with `key` (Zuul's two spellings)."""
    return [item[key] if isinstance(item, dict) else item for item in as_list(items)]


class Validator:
    def __init__(self, root):
        self.root = root
        self.path = root / ".zuul.yaml"
        self.problems = []
        # Names of all job stanzas, valid or not: one misspelt attribute is one problem, not
        # also one per reference to that job.
        self.job_names = set()
        listed = root / "zuul" / "secrets.yaml"
        self.deployment_secrets = (
            yaml.safe_load(listed.read_text()) if listed.exists() else {}
        ) or {}

    def problem(self, stanza, message):
        mark = stanza.get("_start_mark") if isinstance(stanza, dict) else None
        line = mark.line + 1 if mark else 0
        self.problems.append(f"{self.path.name}:{line}: {message}")

    def load(self):
        context = model.SourceContext(
            "example.org/scs-check", "scs-check", "example.org", "main", ".zuul.yaml"
        )
        try:
            data = configloader.safe_load_yaml(self.path.read_text(), context)
        except Exception as error:  # Zuul's loader raises several kinds
            self.problems.append(f"{self.path.name}: not loadable by Zuul: {error}")
            return []
        if not isinstance(data, list):
            self.problems.append(f"{self.path.name}: expected a list of stanzas")
            return []
        return data

    def validate(self):
        stanzas = self.load()
        per_type = {}
        known = schemas()
        for item in stanzas:
            if not isinstance(item, dict) or len(item) != 1:
                self.problems.append(
                    f"{self.path.name}: every list item must be one stanza "
                    f"({', '.join(sorted(known))}), got {item!r}"
                )
                continue
            kind, stanza = next(iter(item.items()))
            if kind == "job" and isinstance(stanza, dict) and "name" in stanza:
                self.job_names.add(stanza["name"])
            if kind not in known:
                self.problem(stanza, f"unknown stanza type {kind!r}")
                continue
            try:
                known[kind](stanza)
            except vs.Invalid as error:
                name = stanza.get("name", "") if isinstance(stanza, dict) else ""
                self.problem(stanza, f"{kind} {name}: {error}")
                continue
            per_type.setdefault(kind, []).append(stanza)
        self.check_references(per_type)
        return self.problems

    def check_references(self, per_type):
        jobs = self.job_names | EXTERNAL_JOBS
        nodesets = {n["name"] for n in per_type.get("nodeset", [])}
        defined_secrets = {s["name"]: s for s in per_type.get("secret", [])}
        secrets = set(defined_secrets) | set(self.deployment_secrets)
        for job in per_type.get("job", []):
            name = job["name"]
            parent = job.get("parent")
            if parent and parent not in jobs:
                self.problem(job, f"job {name}: parent {parent!r} is not defined")
            nodeset = job.get("nodeset")
            if isinstance(nodeset, str) and nodeset not in nodesets:
                self.problem(job, f"job {name}: nodeset {nodeset!r} is not defined")
            for secret in names(job.get("secrets"), "secret"):
                if secret not in secrets:
                    self.problem(
                        job,
                        f"job {name}: secret {secret!r} is neither defined nor listed "
                        "in zuul/secrets.yaml",
                    )
            for attribute in PLAYBOOK_ATTRIBUTES:
                for playbook in names(job.get(attribute), "name"):
                    if not (self.root / playbook).is_file():
                        self.problem(
                            job, f"job {name}: {attribute} playbook {playbook} does not exist"
                        )
        for project in per_type.get("project", []) + per_type.get("project-template", []):
            for key, pipeline in project.items():
                if not isinstance(pipeline, dict) or "jobs" not in pipeline:
                    continue
                for entry in pipeline["jobs"]:
                    job = entry if isinstance(entry, str) else next(iter(entry))
                    if job not in jobs:
                        self.problem(project, f"pipeline {key}: job {job!r} is not defined")
        for name, secret in defined_secrets.items():
            wanted = {
                key
                for key, what in (self.deployment_secrets.get(name) or {}).items()
                if not str(what).startswith("optional:")
            }
            missing = wanted - set(secret.get("data") or {})
            if missing:
                self.problem(
                    secret,
                    f"secret {name}: no {', '.join(sorted(missing))} in its data "
                    "(zuul/secrets.yaml lists the keys the playbooks read)",
                )


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = Validator(root).validate()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{root / '.zuul.yaml'}: INVALID ({len(problems)} problems)", file=sys.stderr)
        return 1
    print(f"{root / '.zuul.yaml'}: valid (Zuul's schemas, references, playbooks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
