//! scs-0123-v1 and scs-0123-v2 "Mandatory and Supported IaaS Services": the catalog part.
//!
//! Testcases `scs-0123-service-{compute,identity,image,network,load-balancer,placement,s3}`
//! and `scs-0123-storage-apis`: the token's service catalog must list a service of the
//! type (or, for block storage, one of the aliases the Service Type Authority defines)
//! with at least one endpoint. The types per testcase are data in
//! `standards/scs-0123-services.yaml`.
//!
//! `scs-0123-service-placement` is in the scope's v1 module although the v1 text does not
//! list placement; we decide it as the scope defines it.
//!
//! `scs-0123-swift-s3` (v1): v1 makes an S3 API mandatory but lets it live outside the
//! catalog; where the catalog lists a Swift `object-store`, its host must speak S3. The
//! fact is the host's answer to `ListBuckets` signed with an access key that does not exist:
//! an S3 implementation refuses it as `InvalidAccessKeyId`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Check, Context, Finding, Outcome};
use crate::facts::{FactKind, FactUnavailable, Facts, ObjectStoreS3};

pub const CHECK: Check = Check {
    name: "scs-0123-mandatory-services",
    standard: "scs-0123-v2",
    reads: &[FactKind::Catalog],
    testcases,
    evaluate,
};

/// The S3 part, separate because it reads a fact that costs a request.
pub const SWIFT_S3: Check = Check {
    name: "scs-0123-swift-s3",
    standard: "scs-0123-v1",
    reads: &[FactKind::ObjectStoreS3],
    testcases: swift_s3_testcases,
    evaluate: evaluate_swift_s3,
};

const SWIFT_S3_TESTCASE: &str = "scs-0123-swift-s3";

fn swift_s3_testcases() -> Vec<String> {
    vec![SWIFT_S3_TESTCASE.to_owned()]
}

/// S3 error codes that show the host checked the (made-up) key, as S3 does.
const S3_REFUSALS: &[&str] = &["InvalidAccessKeyId", "NoSuchKey"];

fn evaluate_swift_s3(
    testcase: &str,
    _context: &Context,
    facts: &Facts,
) -> Result<Outcome, FactUnavailable> {
    if testcase != SWIFT_S3_TESTCASE {
        return Ok(Outcome::abort(format!(
            "{testcase} is not {SWIFT_S3_TESTCASE}"
        )));
    }
    Ok(match facts.object_store_s3()? {
        ObjectStoreS3::NoObjectStore => Outcome::from_findings(vec![Finding::info(
            None,
            "the catalog lists no Swift object store; scs-0123-v1 lets the S3 API be \
             published outside the catalog",
        )]),
        ObjectStoreS3::Answer {
            url,
            status,
            error_code,
        } => match error_code.as_deref() {
            Some(code) if S3_REFUSALS.contains(&code) => Outcome::from_findings(vec![]),
            _ if (200..300).contains(status) => Outcome::abort(format!(
                "{url} accepted S3 ListBuckets with an access key that does not exist \
                 (HTTP {status}); cannot tell whether it speaks S3"
            )),
            other => Outcome::from_findings(vec![Finding::error(
                Some(url),
                format!(
                    "the object store's host does not answer as S3 does: ListBuckets with an \
                     unknown access key gave HTTP {status}{}; expected an S3 error \
                     `InvalidAccessKeyId`. Enable the S3 API (e.g. Swift's s3api or Ceph \
                     RGW's S3) on the object store endpoint",
                    other.map_or_else(String::new, |c| format!(" with error code `{c}`"))
                ),
            )]),
        },
    })
}

const DATA: &str = include_str!("../../standards/scs-0123-services.yaml");

#[derive(Debug, Deserialize)]
struct Data {
    testcases: BTreeMap<String, Vec<String>>,
}

fn service_types() -> &'static BTreeMap<String, Vec<String>> {
    static TYPES: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let data: Data = serde_saphyr::from_str(DATA)
            .expect("standards/scs-0123-services.yaml is valid (tested)");
        data.testcases
    })
}

fn testcases() -> Vec<String> {
    service_types().keys().cloned().collect()
}

fn evaluate(testcase: &str, _context: &Context, facts: &Facts) -> Result<Outcome, FactUnavailable> {
    let Some(types) = service_types().get(testcase) else {
        return Ok(Outcome::abort(format!(
            "{testcase} is not a scs-0123 catalog testcase"
        )));
    };
    let catalog = facts.catalog()?;
    let found: Vec<&str> = types
        .iter()
        .filter(|t| catalog.with_endpoints(t).next().is_some())
        .map(String::as_str)
        .collect();
    let listed_without_endpoint: Vec<&str> = types
        .iter()
        .filter(|t| catalog.services.iter().any(|s| &s.service_type == *t))
        .filter(|t| !found.contains(&t.as_str()))
        .map(String::as_str)
        .collect();
    let mut findings = Vec::new();
    if found.is_empty() {
        let wanted = types
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        let mut message = format!(
            "the service catalog has no service of type {wanted} with an endpoint; register it \
             (`openstack service create --name NAME {first}` and `openstack endpoint create \
             SERVICE public URL`), then check with `openstack catalog list`",
            first = types[0]
        );
        if !listed_without_endpoint.is_empty() {
            message.push_str(&format!(
                " (listed without any endpoint: {})",
                listed_without_endpoint.join(", ")
            ));
        }
        findings.push(Finding::error(Some(&types[0]), message));
    } else if found[0] != types[0] {
        findings.push(Finding::info(
            Some(found[0]),
            format!(
                "found as alias `{}`; scs-0123 asks catalogs to use the canonical type `{}`",
                found[0], types[0]
            ),
        ));
    }
    Ok(Outcome::from_findings(findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Level, Verdict};
    use crate::facts::{Catalog, CatalogEndpoint, CatalogService, Fact};

    fn catalog(types: &[(&str, usize)]) -> Facts {
        let services = types
            .iter()
            .map(|(t, endpoints)| CatalogService {
                service_type: t.to_string(),
                name: t.to_string(),
                endpoints: (0..*endpoints)
                    .map(|_| CatalogEndpoint {
                        interface: "public".into(),
                        region: Some("RegionOne".into()),
                        url: format!("https://{t}.example.com"),
                    })
                    .collect(),
            })
            .collect();
        Facts {
            catalog: Some(Fact::Ok(Catalog { services })),
            ..Facts::default()
        }
    }

    #[test]
    fn every_testcase_of_both_versions_is_known() {
        for id in [
            "scs-0123-service-compute",
            "scs-0123-service-identity",
            "scs-0123-service-image",
            "scs-0123-service-network",
            "scs-0123-service-load-balancer",
            "scs-0123-service-placement",
            "scs-0123-storage-apis",
            "scs-0123-service-s3",
        ] {
            assert!(CHECK.implements(id), "{id}");
        }
        assert!(!CHECK.implements("scs-0123-swift-s3"));
    }

    #[test]
    fn present_service_passes_absent_fails() {
        let facts = catalog(&[("compute", 1)]);
        assert_eq!(
            CHECK
                .run("scs-0123-service-compute", &Context::default(), &facts)
                .verdict,
            Verdict::Pass
        );
        let outcome = CHECK.run(
            "scs-0123-service-load-balancer",
            &Context::default(),
            &facts,
        );
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.findings[0].message.contains("`load-balancer`"));
    }

    #[test]
    fn service_without_endpoint_is_not_discoverable() {
        let outcome = CHECK.run(
            "scs-0123-service-image",
            &Context::default(),
            &catalog(&[("image", 0)]),
        );
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.findings[0]
            .message
            .contains("listed without any endpoint: image"));
    }

    #[test]
    fn block_storage_aliases_pass_with_a_note() {
        for alias in ["block-storage", "volumev3", "volume"] {
            let outcome = CHECK.run(
                "scs-0123-storage-apis",
                &Context::default(),
                &catalog(&[(alias, 1)]),
            );
            assert_eq!(outcome.verdict, Verdict::Pass, "{alias}");
        }
        let outcome = CHECK.run(
            "scs-0123-storage-apis",
            &Context::default(),
            &catalog(&[("volumev3", 1)]),
        );
        assert_eq!(outcome.findings[0].level, Level::Info);
        let outcome = CHECK.run(
            "scs-0123-storage-apis",
            &Context::default(),
            &catalog(&[("object-store", 1)]),
        );
        assert_eq!(outcome.verdict, Verdict::Fail);
    }

    fn s3(answer: ObjectStoreS3) -> Outcome {
        let facts = Facts {
            object_store_s3: Some(Fact::Ok(answer)),
            ..Facts::default()
        };
        SWIFT_S3.run(SWIFT_S3_TESTCASE, &Context::default(), &facts)
    }

    fn answer(status: u16, code: Option<&str>) -> ObjectStoreS3 {
        ObjectStoreS3::Answer {
            url: "https://swift.example/".into(),
            status,
            error_code: code.map(str::to_owned),
        }
    }

    #[test]
    fn swift_s3_is_decided_by_how_the_host_refuses_an_unknown_key() {
        assert_eq!(s3(ObjectStoreS3::NoObjectStore).verdict, Verdict::Pass);
        assert_eq!(
            s3(answer(403, Some("InvalidAccessKeyId"))).verdict,
            Verdict::Pass
        );
        assert_eq!(s3(answer(404, Some("NoSuchKey"))).verdict, Verdict::Pass);
        assert_eq!(s3(answer(401, None)).verdict, Verdict::Fail);
        assert_eq!(s3(answer(403, Some("AccessDenied"))).verdict, Verdict::Fail);
        assert_eq!(s3(answer(200, None)).verdict, Verdict::Abort);
    }

    #[test]
    fn unreadable_catalog_aborts() {
        let facts = Facts {
            catalog: Some(Fact::Error("authentication failed (HTTP 401)".into())),
            ..Facts::default()
        };
        let outcome = CHECK.run("scs-0123-service-s3", &Context::default(), &facts);
        assert_eq!(outcome.verdict, Verdict::Abort);
    }
}
