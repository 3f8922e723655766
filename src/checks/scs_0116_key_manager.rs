//! scs-0116-v1 "Key Manager", read-only part.
//!
//! Testcase `scs-0116-presence` (recommended target): the token's service catalog lists a
//! `key-manager` service with an endpoint. Whether a member may store secrets there
//! (`scs-0116-permissions`) needs a secret created and deleted, so it is a probe:
//! `crate::probes::key_manager`.

use super::{Check, Context, Finding, Outcome};
use crate::facts::{FactKind, FactUnavailable, Facts};

pub const CHECK: Check = Check {
    name: "scs-0116-key-manager",
    standard: "scs-0116-v1",
    reads: &[FactKind::Catalog],
    testcases,
    evaluate,
};

const PRESENCE: &str = "scs-0116-presence";

fn testcases() -> Vec<String> {
    vec![PRESENCE.to_owned()]
}

fn evaluate(testcase: &str, _context: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    if testcase != PRESENCE {
        return Ok(Outcome::abort(format!(
            "{testcase} is not a scs-0116 read-only testcase"
        )));
    }
    let catalog = facts.catalog()?;
    let findings = if catalog.with_endpoints("key-manager").next().is_some() {
        Vec::new()
    } else {
        vec![Finding::error(
            Some("key-manager"),
            "the service catalog has no `key-manager` service with an endpoint; deploy a key \
             manager (Barbican) and register it: `openstack service create --name barbican \
             key-manager`, `openstack endpoint create key-manager public URL`",
        )]
    };
    Ok(Outcome::from_findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Verdict;
    use crate::facts::{Catalog, CatalogEndpoint, CatalogService, Fact};

    fn with_types(types: &[&str]) -> Facts {
        let services = types
            .iter()
            .map(|t| CatalogService {
                service_type: t.to_string(),
                name: String::new(),
                endpoints: vec![CatalogEndpoint {
                    interface: "public".into(),
                    region: None,
                    url: "https://km.example".into(),
                }],
            })
            .collect();
        Facts {
            catalog: Some(Fact::Ok(Catalog { services })),
            ..Facts::default()
        }
    }

    #[test]
    fn key_manager_in_the_catalog_passes() {
        assert_eq!(
            CHECK
                .run(PRESENCE, &Context::default(), &with_types(&["key-manager"]))
                .verdict,
            Verdict::Pass
        );
        assert_eq!(
            CHECK
                .run(PRESENCE, &Context::default(), &with_types(&["compute"]))
                .verdict,
            Verdict::Fail
        );
    }
}
