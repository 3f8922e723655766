//! scs-0211 "SCS KaaS default storage class", v1 (stable) and v2 (draft): the active part of
//! testcase `scs-0211-default-storage-class` (the read-only part is
//! [`crate::checks::scs_0211_default_storage_class`]). Runs only with `--active`.
//!
//! What only a provisioned volume shows: v1 requires of the default class that
//! `ReadWriteOnce` is a supported access mode, and that its volumes are not bound to the
//! lifecycle of a node nor backed by local storage of the node; v2 keeps these for
//! failure-safe volumes. So this part does what a tenant's chart does: in its own namespace
//! `scs-check-<run id>-storage` it creates a 1 GiB `ReadWriteOnce` PersistentVolumeClaim
//! `scs-check-<run id>-pvc` *without* `storageClassName` — Kubernetes' DefaultStorageClass
//! admission plugin (on by default) gives it the default class, or the PV controller does
//! later (retroactive default, 1.28+). When that class binds `WaitForFirstConsumer`, a pod
//! `scs-check-<run id>-pod` (`--pod-image`, default the pause image; non-root, no
//! privileges, so Pod Security "restricted" admits it) mounts the claim, so that the
//! scheduler triggers provisioning. It waits for `Bound`, reads the PersistentVolume and
//! judges it; the runner then deletes pod, claim and namespace, each waited for.
//!
//! Verdicts:
//! - Bound, with `ReadWriteOnce`, not on the node (no `hostPath`, no `local` volume, no node
//!   affinity to one node: `kubernetes.io/hostname` or a node-local CSI driver's node key):
//!   PASS, with what the volume is in an info finding. A reclaim policy other than `Delete` is a warning (the volume outlives the
//!   claim, so the run leaves it behind).
//! - Bound to a volume lacking one of these properties, or a claim `Lost`: FAIL.
//! - No class assigned to the claim by the deadline: FAIL — a claim without class does not
//!   get the default class, which is what a default class is for.
//! - Still `Pending` when `--probe-timeout` is nearly over: ABORT, not FAIL. The text asks for
//!   properties of the volumes the class provisions; a claim that has not bound yet shows
//!   none of them, and slow provisioning, an exhausted quota or an unschedulable pod look the
//!   same from here. The reason quotes the namespace's latest events (`ProvisioningFailed`,
//!   `FailedScheduling`, …) so that the operator can tell.
//! - A request refused (403: missing rights, named in the reason) or failing: ABORT.
//!
//! Upstream's script does the same in the `default` namespace with fixed names and an nginx
//! pod, and waits for the pod to run; here the namespace and names are the run's own and the
//! part waits for the binding only, which does not need the image to be pulled.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::{
    Capabilities, Container, Event, Namespace, PersistentVolume, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, Pod, PodSecurityContext, PodSpec,
    ResourceRequirements, SeccompProfile, SecurityContext, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams, PostParams};
use tokio::time::Instant;

use super::{refusal, ActivePart, ClusterContext};
use crate::checks::{Finding, Outcome};
use crate::probes::ledger::Resource;

pub const PART: ActivePart = ActivePart {
    check: "scs-0211-default-storage-class",
    name: "scs-0211-default-storage-class-volume",
    creates: "a namespace, a 1 GiB PersistentVolumeClaim of the default class and, for \
              WaitForFirstConsumer classes, a pod mounting it",
    decides: "whether a claim of the default storage class binds to a ReadWriteOnce volume \
              that is not tied to a node",
    run,
};

const READ_WRITE_ONCE: &str = "ReadWriteOnce";
const SIZE: &str = "1Gi";
const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// Whether a topology key names one node rather than a zone or region: the hostname label,
/// and the per-node keys of node-local CSI drivers (TopoLVM `topology.topolvm.io/node`,
/// OpenEBS `openebs.io/nodename`, `…/hostname`). Zone and region keys (e.g.
/// `topology.cinder.csi.openstack.org/zone`) do not.
fn names_a_node(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase();
    key == HOSTNAME_LABEL || ["node", "nodename", "hostname", "node-name"].contains(&name.as_str())
}
/// How often the claim is read while it is not bound.
const POLL: Duration = Duration::from_secs(2);
/// Progress lines while waiting, at most this often (and whenever the phase changes).
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

fn run<'a>(context: &'a ClusterContext<'a>) -> BoxFuture<'a, Outcome> {
    Box::pin(async move { probe(context).await.unwrap_or_else(|outcome| outcome) })
}

/// The objects' names in this run.
struct Names {
    namespace: String,
    claim: String,
    pod: String,
}

async fn probe(context: &ClusterContext<'_>) -> Result<Outcome, Outcome> {
    let session = context.session;
    let client = session.client().clone();
    let names = Names {
        namespace: context.run_id.name("storage"),
        claim: context.run_id.name("pvc"),
        pod: context.run_id.name("pod"),
    };
    let post = PostParams::default();
    let meta = |name: &str| ObjectMeta {
        name: Some(name.to_owned()),
        labels: Some(context.labels()),
        ..ObjectMeta::default()
    };

    context.say(&format!("creating namespace {}", names.namespace));
    let namespace = Namespace {
        metadata: meta(&names.namespace),
        ..Namespace::default()
    };
    Api::<Namespace>::all(client.clone())
        .create(&post, &namespace)
        .await
        .map_err(|e| abort(&e, &format!("create namespace {}", names.namespace)))?;
    context.ledger.record(Resource {
        kind: "namespace",
        name: names.namespace.clone(),
        url: session.url(&format!("/api/v1/namespaces/{}", names.namespace)),
    });

    context.say(&format!(
        "creating PersistentVolumeClaim {} ({READ_WRITE_ONCE}, {SIZE}, no storageClassName)",
        names.claim
    ));
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &names.namespace);
    let mut claim = claims
        .create(&post, &claim_spec(meta(&names.claim)))
        .await
        .map_err(|e| abort(&e, &format!("create PersistentVolumeClaim {}", names.claim)))?;
    context.ledger.record(Resource {
        kind: "PersistentVolumeClaim",
        name: names.claim.clone(),
        url: session.url(&format!(
            "/api/v1/namespaces/{}/persistentvolumeclaims/{}",
            names.namespace, names.claim
        )),
    });
    crate::probes::hold_for_tests(|line| context.say(line)).await;

    let started = Instant::now();
    let mut binding_mode: Option<String> = None;
    let mut last_phase = String::new();
    let mut last_said = started;
    loop {
        let class = claim
            .spec
            .as_ref()
            .and_then(|s| s.storage_class_name.clone())
            .filter(|c| !c.is_empty());
        if let (Some(class), None) = (&class, &binding_mode) {
            let mode = read_binding_mode(context, class).await?;
            if mode == "WaitForFirstConsumer" {
                context.say(&format!(
                    "class {class} binds WaitForFirstConsumer: starting pod {} ({}) to mount \
                     the claim",
                    names.pod, context.pod_image
                ));
                start_pod(context, &names, meta(&names.pod)).await?;
            }
            binding_mode = Some(mode);
        }
        let phase = claim
            .status
            .as_ref()
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Pending".to_owned());
        match phase.as_str() {
            "Bound" => break,
            "Lost" => {
                return Ok(Outcome::from_findings(vec![Finding::error(
                    Some(&names.claim),
                    "the claim is Lost: its PersistentVolume disappeared right after binding",
                )]))
            }
            _ => {}
        }
        let waited = started.elapsed().as_secs();
        if Instant::now() >= context.verdict_by {
            let Some(class) = class else {
                return Ok(Outcome::from_findings(vec![Finding::error(
                    Some(&names.claim),
                    format!(
                        "a claim without storageClassName got no storage class within {waited} \
                         s: the default class is not applied (no class annotated \
                         storageclass.kubernetes.io/is-default-class=true, or the \
                         DefaultStorageClass admission plugin is off)"
                    ),
                )]));
            };
            let events = recent_events(context, &names.namespace).await;
            return Err(Outcome::abort(format!(
                "the claim {} of class {class} ({}) was still {phase} after {waited} s{events}; \
                 a claim that has not bound shows none of the properties scs-0211 asks for \
                 (slow provisioning, quota and unschedulable pods look the same): see `kubectl \
                 describe pvc`, or allow more time with --probe-timeout",
                names.claim,
                binding_mode.as_deref().unwrap_or("binding mode unknown"),
            )));
        }
        if phase != last_phase || last_said.elapsed() >= PROGRESS_EVERY {
            context.say(&format!(
                "claim {} is {phase} after {waited} s, waiting for Bound",
                names.claim
            ));
            last_phase = phase;
            last_said = Instant::now();
        }
        let pause = POLL.min(context.verdict_by.saturating_duration_since(Instant::now()));
        tokio::time::sleep(pause).await;
        claim = claims
            .get(&names.claim)
            .await
            .map_err(|e| abort(&e, &format!("read PersistentVolumeClaim {}", names.claim)))?;
    }
    let bound_after = started.elapsed().as_secs();
    let volume_name = claim
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.clone())
        .unwrap_or_default();
    context.say(&format!(
        "claim {} is Bound to {volume_name} after {bound_after} s",
        names.claim
    ));
    let volume = Api::<PersistentVolume>::all(client)
        .get(&volume_name)
        .await
        .map_err(|e| abort(&e, &format!("read PersistentVolume {volume_name}")))?;
    Ok(Outcome::from_findings(judge(&claim, &volume, bound_after)))
}

fn abort(error: &kube::Error, what: &str) -> Outcome {
    Outcome::abort(refusal(error, what))
}

fn claim_spec(metadata: ObjectMeta) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata,
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec![READ_WRITE_ONCE.to_owned()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(SIZE.to_owned()),
                )])),
                ..VolumeResourceRequirements::default()
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        ..PersistentVolumeClaim::default()
    }
}

async fn read_binding_mode(context: &ClusterContext<'_>, class: &str) -> Result<String, Outcome> {
    let class = Api::<StorageClass>::all(context.session.client().clone())
        .get(class)
        .await
        .map_err(|e| abort(&e, &format!("read storage class {class}")))?;
    // The API server defaults the mode to Immediate.
    Ok(class
        .volume_binding_mode
        .unwrap_or_else(|| "Immediate".to_owned()))
}

/// A pod that does nothing but hold the claim mounted, acceptable under Pod Security
/// "restricted" and small enough for any quota.
fn pod_spec(metadata: ObjectMeta, claim: &str, image: &str) -> Pod {
    let quantity = |q: &str| Quantity(q.to_owned());
    Pod {
        metadata,
        spec: Some(PodSpec {
            automount_service_account_token: Some(false),
            termination_grace_period_seconds: Some(1),
            restart_policy: Some("Never".to_owned()),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(65535),
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".to_owned(),
                    ..SeccompProfile::default()
                }),
                ..PodSecurityContext::default()
            }),
            containers: vec![Container {
                name: "hold".to_owned(),
                image: Some(image.to_owned()),
                volume_mounts: Some(vec![VolumeMount {
                    name: "data".to_owned(),
                    mount_path: "/data".to_owned(),
                    ..VolumeMount::default()
                }]),
                resources: Some(ResourceRequirements {
                    requests: Some(BTreeMap::from([
                        ("cpu".to_owned(), quantity("10m")),
                        ("memory".to_owned(), quantity("16Mi")),
                    ])),
                    limits: Some(BTreeMap::from([
                        ("cpu".to_owned(), quantity("100m")),
                        ("memory".to_owned(), quantity("16Mi")),
                    ])),
                    ..ResourceRequirements::default()
                }),
                security_context: Some(SecurityContext {
                    allow_privilege_escalation: Some(false),
                    read_only_root_filesystem: Some(true),
                    capabilities: Some(Capabilities {
                        drop: Some(vec!["ALL".to_owned()]),
                        ..Capabilities::default()
                    }),
                    ..SecurityContext::default()
                }),
                ..Container::default()
            }],
            volumes: Some(vec![Volume {
                name: "data".to_owned(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim.to_owned(),
                    ..PersistentVolumeClaimVolumeSource::default()
                }),
                ..Volume::default()
            }]),
            ..PodSpec::default()
        }),
        ..Pod::default()
    }
}

/// Creates the pod. Right after a namespace is created its `default` service account may not
/// exist yet, and the API server refuses pods with 403 "error looking up service account";
/// that refusal is asked again until the deadline.
async fn start_pod(
    context: &ClusterContext<'_>,
    names: &Names,
    metadata: ObjectMeta,
) -> Result<(), Outcome> {
    let pods: Api<Pod> = Api::namespaced(context.session.client().clone(), &names.namespace);
    let pod = pod_spec(metadata, &names.claim, context.pod_image);
    loop {
        match pods.create(&PostParams::default(), &pod).await {
            Ok(_) => break,
            Err(kube::Error::Api(status))
                if status.code == 403
                    && status.message.contains("service account")
                    && Instant::now() < context.verdict_by =>
            {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(abort(&e, &format!("create pod {}", names.pod))),
        }
    }
    context.ledger.record(Resource {
        kind: "pod",
        name: names.pod.clone(),
        url: context.session.url(&format!(
            "/api/v1/namespaces/{}/pods/{}",
            names.namespace, names.pod
        )),
    });
    Ok(())
}

/// The namespace's latest events (at most three), as `; events: reason: message, …`; nothing
/// when there are none or they cannot be read.
async fn recent_events(context: &ClusterContext<'_>, namespace: &str) -> String {
    let events: Api<Event> = Api::namespaced(context.session.client().clone(), namespace);
    let Ok(list) = events.list(&ListParams::default()).await else {
        return String::new();
    };
    let mut lines: Vec<String> = Vec::new();
    for event in list.items.iter().rev() {
        let line = format!(
            "{} {}: {}",
            event.involved_object.name.as_deref().unwrap_or("?"),
            event.reason.as_deref().unwrap_or("?"),
            event.message.as_deref().unwrap_or("").trim()
        );
        if !lines.contains(&line) && lines.len() < 3 {
            lines.push(line);
        }
    }
    if lines.is_empty() {
        String::new()
    } else {
        format!("; latest events: {}", lines.join("; "))
    }
}

/// The properties scs-0211 asks of the default class's volumes, judged on the bound claim
/// and its volume.
fn judge(
    claim: &PersistentVolumeClaim,
    volume: &PersistentVolume,
    bound_after: u64,
) -> Vec<Finding> {
    let name = volume.metadata.name.as_deref().unwrap_or("?");
    let object = Some(name);
    let spec = volume.spec.clone().unwrap_or_default();
    let mut findings = Vec::new();
    let modes = claim
        .status
        .as_ref()
        .and_then(|s| s.access_modes.clone())
        .or(spec.access_modes.clone())
        .unwrap_or_default();
    if !modes.iter().any(|m| m == READ_WRITE_ONCE) {
        findings.push(Finding::error(
            object,
            format!(
                "the claim asked for {READ_WRITE_ONCE} but its volume has {}: the default \
                 class must support {READ_WRITE_ONCE}",
                if modes.is_empty() {
                    "no access mode".to_owned()
                } else {
                    modes.join(", ")
                }
            ),
        ));
    }
    if spec.host_path.is_some() || spec.local.is_some() {
        findings.push(Finding::error(
            object,
            format!(
                "the volume is a {} volume on a node's own disk: its data are lost with the \
                 node; make a class with network or replicated storage the default",
                if spec.local.is_some() {
                    "local"
                } else {
                    "hostPath"
                }
            ),
        ));
    }
    let pinned_to: Vec<String> = spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
        .map(|selector| {
            selector
                .node_selector_terms
                .iter()
                .flat_map(|term| term.match_expressions.iter().flatten())
                .filter(|e| names_a_node(&e.key) && e.operator == "In")
                .flat_map(|e| e.values.iter().flatten().cloned())
                .collect()
        })
        .unwrap_or_default();
    if !pinned_to.is_empty() {
        findings.push(Finding::error(
            object,
            format!(
                "the volume can only be used on node {}: it is bound to the lifecycle of a \
                 node (scs-0211 forbids that for the default class)",
                pinned_to.join(", ")
            ),
        ));
    }
    let policy = spec
        .persistent_volume_reclaim_policy
        .clone()
        .unwrap_or_else(|| "Delete".to_owned());
    if policy != "Delete" {
        findings.push(Finding::warning(
            object,
            format!(
                "reclaim policy {policy}: the volume outlives the claim, so it stays after this \
                 run; delete it (`kubectl delete pv {name}`, and its backing volume)"
            ),
        ));
    }
    let source = match (&spec.csi, &spec.host_path, &spec.local) {
        (Some(csi), _, _) => format!("CSI driver {}", csi.driver),
        (_, Some(_), _) => "hostPath".to_owned(),
        (_, _, Some(_)) => "local volume".to_owned(),
        _ => "an in-tree volume plugin".to_owned(),
    };
    let capacity = spec
        .capacity
        .as_ref()
        .and_then(|c| c.get("storage"))
        .map_or("?", |q| q.0.as_str());
    findings.push(Finding::info(
        object,
        format!(
            "a claim without storageClassName got class {} and was bound after {bound_after} s \
             to {name}: {source}, {capacity}, access modes {}, reclaim policy {policy}",
            claim
                .spec
                .as_ref()
                .and_then(|s| s.storage_class_name.as_deref())
                .unwrap_or("?"),
            modes.join(", ")
        ),
    ));
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Verdict;
    use serde_json::json;

    fn claim() -> PersistentVolumeClaim {
        serde_json::from_value(json!({
            "metadata": {"name": "scs-check-0123456789ab-pvc"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                     "volumeName": "pvc-1"},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"]}
        }))
        .unwrap()
    }

    fn volume(spec: serde_json::Value) -> PersistentVolume {
        let mut base = json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"},
                              "persistentVolumeReclaimPolicy": "Delete",
                              "storageClassName": "standard"});
        base.as_object_mut()
            .unwrap()
            .extend(spec.as_object().unwrap().clone());
        serde_json::from_value(json!({"metadata": {"name": "pvc-1"}, "spec": base})).unwrap()
    }

    fn verdict(volume: &PersistentVolume) -> (Verdict, Vec<Finding>) {
        let outcome = Outcome::from_findings(judge(&claim(), volume, 3));
        (outcome.verdict, outcome.findings)
    }

    #[test]
    fn a_cinder_volume_limited_to_a_zone_passes() {
        let (v, f) = verdict(&volume(json!({
            "csi": {"driver": "cinder.csi.openstack.org", "volumeHandle": "abc"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "topology.cinder.csi.openstack.org/zone", "operator": "In",
                 "values": ["nova"]}]}]}}
        })));
        assert_eq!(v, Verdict::Pass);
        assert!(f[0]
            .message
            .contains("CSI driver cinder.csi.openstack.org, 1Gi"));
    }

    #[test]
    fn a_volume_on_one_node_fails() {
        let (v, f) = verdict(&volume(json!({
            "local": {"path": "/mnt/disks/1"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": ["worker-1"]}]}]}}
        })));
        assert_eq!(v, Verdict::Fail);
        assert!(f[0].message.contains("local volume on a node's own disk"));
        assert!(f[1].message.contains("only be used on node worker-1"));
    }

    #[test]
    fn a_csi_volume_pinned_to_one_node_by_its_drivers_own_key_fails() {
        for key in ["topology.topolvm.io/node", "openebs.io/nodename"] {
            let (v, f) = verdict(&volume(json!({
                "csi": {"driver": "node-local.example", "volumeHandle": "abc"},
                "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                    {"key": key, "operator": "In", "values": ["worker-2"]}]}]}}
            })));
            assert_eq!(v, Verdict::Fail, "{key}");
            assert!(
                f[0].message.contains("only be used on node worker-2"),
                "{key}"
            );
        }
    }

    #[test]
    fn no_read_write_once_fails_and_retain_is_a_warning() {
        let mut claim = claim();
        claim.status.as_mut().unwrap().access_modes = Some(vec!["ReadWriteMany".into()]);
        let volume = volume(json!({"accessModes": ["ReadWriteMany"],
                                   "persistentVolumeReclaimPolicy": "Retain",
                                   "nfs": {"server": "x", "path": "/"}}));
        let outcome = Outcome::from_findings(judge(&claim, &volume, 1));
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.findings[0]
            .message
            .contains("its volume has ReadWriteMany"));
        assert!(outcome.findings[1]
            .message
            .starts_with("reclaim policy Retain"));
    }
}
