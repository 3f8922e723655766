//! scs-0114-v1 "Volume Types": aspect lists in volume type descriptions.
//!
//! Testcases `scs-0114-syntax-check` (main target), `scs-0114-encrypted-type` and
//! `scs-0114-replicated-type` (recommended). A description that starts with `[scs:…]`
//! declares the aspects the type fulfils, e.g. `[scs:encrypted, replicated] LUKS on Ceph`.
//!
//! The text makes only the alphabetical order a MUST; an aspect mentioned twice ("should
//! only be mentioned … one" time) and aspects other than `encrypted` and `replicated`
//! ("SHOULD NOT be referenced in the way this standard describes") are warnings here.
//! Upstream's script fails on both.

use super::{Check, Context, Finding, Outcome};
use crate::facts::{FactKind, FactUnavailable, Facts, VolumeType};

pub const CHECK: Check = Check {
    name: "scs-0114-volume-types",
    standard: "scs-0114-v1",
    reads: &[FactKind::VolumeTypes],
    testcases,
    evaluate,
};

const KNOWN_ASPECTS: &[&str] = &["encrypted", "replicated"];
const PREFIX: &str = "[scs:";

fn testcases() -> Vec<String> {
    [
        "scs-0114-syntax-check",
        "scs-0114-encrypted-type",
        "scs-0114-replicated-type",
    ]
    .map(String::from)
    .to_vec()
}

/// The aspects a description declares, or `None` when it has no aspect list. An opening
/// `[scs:` without its `]` is a malformed list (`Err`).
fn aspects(description: &str) -> Option<Result<Vec<&str>, ()>> {
    let rest = description.strip_prefix(PREFIX)?;
    let Some((list, _)) = rest.split_once(']') else {
        return Some(Err(()));
    };
    Some(Ok(list
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect()))
}

fn syntax_findings(volume_type: &VolumeType) -> Vec<Finding> {
    let object = Some(volume_type.name.as_str());
    let Some(list) = volume_type.description.as_deref().and_then(aspects) else {
        return Vec::new();
    };
    let Ok(list) = list else {
        return vec![Finding::error(
            object,
            "the description starts with `[scs:` but the aspect list has no closing `]`; \
             fix it with `openstack volume type set --description '[scs:…] …' TYPE`",
        )];
    };
    let mut findings = Vec::new();
    let mut sorted = list.clone();
    sorted.sort_unstable();
    if sorted != list {
        findings.push(Finding::error(
            object,
            format!(
                "aspects must be sorted alphabetically: write `[scs:{}]`",
                sorted.join(", ")
            ),
        ));
    }
    sorted.dedup();
    if sorted.len() != list.len() {
        findings.push(Finding::warning(
            object,
            "an aspect is listed twice; list each once",
        ));
    }
    for unknown in list.iter().filter(|a| !KNOWN_ASPECTS.contains(a)) {
        findings.push(Finding::warning(
            object,
            format!(
                "aspect `{unknown}` is not one scs-0114 defines ({}); other aspects should \
                 not be listed this way",
                KNOWN_ASPECTS.join(", ")
            ),
        ));
    }
    findings
}

fn evaluate(testcase: &str, _context: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    let types = facts.volume_types()?;
    let wanted = match testcase {
        "scs-0114-syntax-check" => {
            return Ok(Outcome::from_findings(
                types.iter().flat_map(syntax_findings).collect(),
            ))
        }
        "scs-0114-encrypted-type" => "encrypted",
        "scs-0114-replicated-type" => "replicated",
        other => {
            return Ok(Outcome::abort(format!(
                "{other} is not a scs-0114 testcase"
            )))
        }
    };
    let declaring: Vec<&str> = types
        .iter()
        .filter(|t| {
            let list = t.description.as_deref().and_then(aspects);
            matches!(list, Some(Ok(aspects)) if aspects.contains(&wanted))
        })
        .map(|t| t.name.as_str())
        .collect();
    Ok(Outcome::from_findings(if declaring.is_empty() {
        vec![Finding::error(
            None,
            format!(
                "no volume type declares `{wanted}` in its description; where a type is \
                 {wanted}, say so: `openstack volume type set --description '[scs:{wanted}] …' TYPE`"
            ),
        )]
    } else {
        vec![Finding::info(
            None,
            format!("declared by: {}", declaring.join(", ")),
        )]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Level, Verdict};
    use crate::facts::Fact;

    fn facts(descriptions: &[Option<&str>]) -> Facts {
        let types = descriptions
            .iter()
            .enumerate()
            .map(|(i, d)| VolumeType {
                id: format!("t{i}"),
                name: format!("type-{i}"),
                description: d.map(str::to_owned),
                is_public: true,
                extra_specs: Default::default(),
            })
            .collect();
        Facts {
            volume_types: Some(Fact::Ok(types)),
            ..Facts::default()
        }
    }

    fn verdict(testcase: &str, descriptions: &[Option<&str>]) -> Verdict {
        CHECK
            .run(testcase, &Context::default(), &facts(descriptions))
            .verdict
    }

    #[test]
    fn syntax_follows_the_text() {
        let cases = [
            (
                Some("[scs:encrypted, replicated] LUKS on Ceph"),
                Verdict::Pass,
            ),
            (Some("[scs:encrypted]"), Verdict::Pass),
            (Some("[scs:]"), Verdict::Pass),
            (Some("no aspect list"), Verdict::Pass),
            (None, Verdict::Pass),
            // Not at the very start: not an aspect list.
            (Some(" [scs:replicated, encrypted]"), Verdict::Pass),
            (Some("[scs:replicated, encrypted] unsorted"), Verdict::Fail),
            (Some("[scs:encrypted, replicated"), Verdict::Fail),
        ];
        for (description, expected) in cases {
            assert_eq!(
                verdict("scs-0114-syntax-check", &[description]),
                expected,
                "{description:?}"
            );
        }
    }

    #[test]
    fn duplicates_and_unknown_aspects_warn_unlike_upstream() {
        for description in ["[scs:encrypted, encrypted]", "[scs:encrypted, fast]"] {
            let outcome = CHECK.run(
                "scs-0114-syntax-check",
                &Context::default(),
                &facts(&[Some(description)]),
            );
            assert_eq!(outcome.verdict, Verdict::Pass, "{description}");
            assert_eq!(outcome.findings[0].level, Level::Warning, "{description}");
        }
    }

    #[test]
    fn encrypted_and_replicated_types_are_discovered() {
        let types = [Some("[scs:encrypted] LUKS"), Some("plain")];
        assert_eq!(verdict("scs-0114-encrypted-type", &types), Verdict::Pass);
        assert_eq!(verdict("scs-0114-replicated-type", &types), Verdict::Fail);
        let both = [Some("[scs:encrypted, replicated]")];
        assert_eq!(verdict("scs-0114-replicated-type", &both), Verdict::Pass);
        assert_eq!(verdict("scs-0114-encrypted-type", &[]), Verdict::Fail);
    }

    #[test]
    fn unreadable_volume_types_abort() {
        let facts = Facts {
            volume_types: Some(Fact::Error("GET …/types: HTTP 403".into())),
            ..Facts::default()
        };
        assert_eq!(
            CHECK
                .run("scs-0114-syntax-check", &Context::default(), &facts)
                .verdict,
            Verdict::Abort
        );
    }
}
