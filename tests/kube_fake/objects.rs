//! Namespaced objects of the fake API server: namespaces, PersistentVolumeClaims, pods and
//! events (create, get, list with `labelSelector`, delete) and PersistentVolumes (get), as the
//! active parts and `scs-check cleanup --kubeconfig` use them.
//!
//! Two server-side behaviours are imitated because clients depend on them: the
//! DefaultStorageClass admission plugin gives a claim without `storageClassName` the default
//! class (the newest, if several), and a provisioner binds a claim [`Storage::bind_after`] its
//! creation — for a `WaitForFirstConsumer` class only once a pod uses it — to a new
//! PersistentVolume `pvc-<claim uid>` built from [`Storage::volume`]. A deleted namespace stays
//! `Terminating` for a moment (and refuses a second DELETE with 409, as a real one does), then
//! takes its objects with it; a deleted claim takes its volume when the policy is `Delete`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::http::request::Parts;
use hyper::Response;
use serde_json::{json, Value};

use super::{list, respond, status, Cluster};

/// How long a deleted namespace stays `Terminating`.
const TERMINATING: Duration = Duration::from_millis(300);

/// How the objects behave in a scenario.
#[derive(Clone)]
pub struct Storage {
    /// `None`: claims stay `Pending` for ever.
    pub bind_after: Option<Duration>,
    /// Fields of the spec of the volumes the provisioner makes (over a Cinder CSI volume).
    pub volume: Value,
    /// Collections (`namespaces`, `persistentvolumeclaims`, `pods`) whose creation is
    /// refused with 403.
    pub forbid_create: Vec<&'static str>,
    /// Collections whose objects cannot be deleted (500 on every DELETE).
    pub fail_delete: Vec<&'static str>,
    /// Pod creations refused with 403 "error looking up service account" before one works,
    /// as right after a namespace is created.
    pub service_account_missing_for: usize,
    /// An event (reason, message) about every `Pending` claim, as a provisioner writes one.
    pub pending_event: Option<(&'static str, &'static str)>,
}

impl Default for Storage {
    fn default() -> Self {
        Self {
            bind_after: Some(Duration::from_secs(1)),
            volume: json!({}),
            forbid_create: Vec::new(),
            fail_delete: Vec::new(),
            service_account_missing_for: 0,
            pending_event: None,
        }
    }
}

/// An object and when it was created (for the provisioner's delay).
#[derive(Clone)]
pub struct Stored {
    pub object: Value,
    pub created: Instant,
    /// When DELETE was asked (namespaces stay a moment).
    pub deleting: Option<Instant>,
}

#[derive(Default)]
pub struct State {
    /// Key: (namespace or "", collection, name).
    pub objects: BTreeMap<(String, String, String), Stored>,
    /// Every object created through the API, as stored (labels included).
    pub created: Vec<Value>,
    next_uid: u64,
    pod_refusals: usize,
}

impl State {
    /// Puts an object in place (leftovers of an earlier run, objects of others).
    pub fn seed(&mut self, namespace: &str, collection: &str, object: Value) {
        let name = object["metadata"]["name"].as_str().unwrap().to_owned();
        let key = (namespace.to_owned(), collection.to_owned(), name);
        let stored = Stored {
            object,
            created: Instant::now(),
            deleting: None,
        };
        self.objects.insert(key, stored);
    }

    /// The (namespace, collection, name) of every object still there.
    pub fn names(&self) -> Vec<(String, String, String)> {
        self.objects.keys().cloned().collect()
    }
}

/// Answers requests below `/api/v1/namespaces`, `/api/v1/persistentvolumes` and single
/// storage classes; anything else is 404.
pub fn answer(
    cluster: &Cluster,
    state: &Mutex<State>,
    request: &Parts,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let path = request.uri.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = request.method.as_str();
    let mut state = state.lock().unwrap();
    settle(cluster, &mut state);
    match (method, segments.as_slice()) {
        ("GET", ["apis", "storage.k8s.io", "v1", "storageclasses", name]) => cluster
            .storage_classes
            .iter()
            .find(|c| c["metadata"]["name"] == *name)
            .map_or_else(|| not_found("storageclasses", name), |c| respond(200, c)),
        ("GET", ["api", "v1", "persistentvolumes", name]) => {
            get(&state, "", "persistentvolumes", name)
        }
        (_, ["api", "v1", "namespaces"]) => {
            collection(cluster, &mut state, request, body, "", "namespaces")
        }
        (_, ["api", "v1", "namespaces", name]) => {
            object(cluster, &mut state, method, "", "namespaces", name)
        }
        (_, ["api", "v1", "namespaces", namespace, collection_name]) => {
            if !exists(&state, "", "namespaces", namespace) && method == "POST" {
                return not_found("namespaces", namespace);
            }
            collection(
                cluster,
                &mut state,
                request,
                body,
                namespace,
                collection_name,
            )
        }
        (_, ["api", "v1", "namespaces", namespace, collection_name, name]) => object(
            cluster,
            &mut state,
            method,
            namespace,
            collection_name,
            name,
        ),
        _ => status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    }
}

fn not_found(collection: &str, name: &str) -> Response<Full<Bytes>> {
    status(
        404,
        "NotFound",
        &format!("{collection} \"{name}\" not found"),
    )
}

fn key(namespace: &str, collection: &str, name: &str) -> (String, String, String) {
    (namespace.to_owned(), collection.to_owned(), name.to_owned())
}

fn exists(state: &State, namespace: &str, collection: &str, name: &str) -> bool {
    state
        .objects
        .contains_key(&key(namespace, collection, name))
}

fn get(state: &State, namespace: &str, collection: &str, name: &str) -> Response<Full<Bytes>> {
    match state.objects.get(&key(namespace, collection, name)) {
        Some(stored) => respond(200, &stored.object),
        None => not_found(collection, name),
    }
}

fn kind_of(collection: &str) -> &'static str {
    match collection {
        "namespaces" => "Namespace",
        "persistentvolumeclaims" => "PersistentVolumeClaim",
        "pods" => "Pod",
        "events" => "Event",
        _ => "PersistentVolume",
    }
}

/// POST (create) or GET (list, with `labelSelector`) on a collection.
fn collection(
    cluster: &Cluster,
    state: &mut State,
    request: &Parts,
    body: &[u8],
    namespace: &str,
    collection: &str,
) -> Response<Full<Bytes>> {
    match request.method.as_str() {
        "GET" => {
            let selector = super::query(request).get("labelSelector").cloned();
            let wanted: Vec<(String, String)> = selector
                .iter()
                .flat_map(|s| s.split(','))
                .filter_map(|term| term.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            let mut items: Vec<Value> = state
                .objects
                .iter()
                .filter(|((ns, c, _), _)| ns == namespace && c == collection)
                .map(|(_, stored)| stored.object.clone())
                .filter(|o| {
                    wanted
                        .iter()
                        .all(|(k, v)| o["metadata"]["labels"][k] == *v.as_str())
                })
                .collect();
            if collection == "events" {
                items.extend(pending_events(cluster, state, namespace));
            }
            list(
                request,
                cluster,
                &format!("{}List", kind_of(collection)),
                "v1",
                &items,
            )
        }
        "POST" => create(cluster, state, body, namespace, collection),
        _ => status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method",
        ),
    }
}

fn create(
    cluster: &Cluster,
    state: &mut State,
    body: &[u8],
    namespace: &str,
    collection: &str,
) -> Response<Full<Bytes>> {
    let scope = if namespace.is_empty() {
        "at the cluster scope".to_owned()
    } else {
        format!("in the namespace \"{namespace}\"")
    };
    if cluster.storage.forbid_create.contains(&collection) {
        return status(
            403,
            "Forbidden",
            &format!(
                "{collection} is forbidden: User \"tester\" cannot create resource \
                 \"{collection}\" in API group \"\" {scope}"
            ),
        );
    }
    let Ok(mut object) = serde_json::from_slice::<Value>(body) else {
        return status(400, "BadRequest", "the body is not JSON");
    };
    let Some(name) = object["metadata"]["name"].as_str().map(str::to_owned) else {
        return status(422, "Invalid", "metadata.name: Required value");
    };
    if exists(state, namespace, collection, &name) {
        return status(
            409,
            "AlreadyExists",
            &format!("{collection} \"{name}\" already exists"),
        );
    }
    if collection == "pods" && state.pod_refusals < cluster.storage.service_account_missing_for {
        state.pod_refusals += 1;
        return status(
            403,
            "Forbidden",
            &format!(
                "pods \"{name}\" is forbidden: error looking up service account \
                 {namespace}/default: serviceaccount \"default\" not found"
            ),
        );
    }
    state.next_uid += 1;
    let metadata = &mut object["metadata"];
    metadata["uid"] = json!(format!("00000000-0000-4000-8000-{:012}", state.next_uid));
    metadata["resourceVersion"] = json!((5000 + state.next_uid).to_string());
    metadata["creationTimestamp"] =
        json!(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    if !namespace.is_empty() {
        metadata["namespace"] = json!(namespace);
    }
    match collection {
        "namespaces" => object["status"] = json!({"phase": "Active"}),
        "persistentvolumeclaims" => {
            if object["spec"]["storageClassName"].is_null() {
                // The DefaultStorageClass admission plugin.
                if let Some(default) = default_class(cluster) {
                    object["spec"]["storageClassName"] = json!(default);
                }
            }
            object["spec"]["volumeMode"] = json!("Filesystem");
            object["status"] = json!({"phase": "Pending"});
        }
        "pods" => object["status"] = json!({"phase": "Pending"}),
        _ => {}
    }
    object["kind"] = json!(kind_of(collection));
    object["apiVersion"] = json!("v1");
    state.created.push(object.clone());
    state.objects.insert(
        key(namespace, collection, &name),
        Stored {
            object: object.clone(),
            created: Instant::now(),
            deleting: None,
        },
    );
    respond(201, &object)
}

/// The newest class annotated default, as the admission plugin picks it.
fn default_class(cluster: &Cluster) -> Option<String> {
    cluster
        .storage_classes
        .iter()
        .filter(|c| {
            c["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
        })
        .max_by_key(|c| {
            c["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .and_then(|c| c["metadata"]["name"].as_str().map(str::to_owned))
}

fn object(
    cluster: &Cluster,
    state: &mut State,
    method: &str,
    namespace: &str,
    collection: &str,
    name: &str,
) -> Response<Full<Bytes>> {
    let key = key(namespace, collection, name);
    match method {
        "GET" => get(state, namespace, collection, name),
        "DELETE" => {
            let Some(stored) = state.objects.get_mut(&key) else {
                return not_found(collection, name);
            };
            if cluster.storage.fail_delete.contains(&collection) {
                return status(
                    500,
                    "InternalError",
                    &format!("fake failure deleting {collection} \"{name}\""),
                );
            }
            if collection == "namespaces" {
                if stored.deleting.is_some() {
                    return status(
                        409,
                        "Conflict",
                        &format!(
                            "Operation cannot be fulfilled on namespaces \"{name}\": The system \
                             is ensuring all content is removed from this namespace."
                        ),
                    );
                }
                stored.deleting = Some(Instant::now());
                stored.object["status"]["phase"] = json!("Terminating");
                return respond(200, &stored.object);
            }
            let removed = state.objects.remove(&key).unwrap();
            if collection == "persistentvolumeclaims" {
                release_volume(state, &removed.object);
            }
            respond(200, &removed.object)
        }
        _ => status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method",
        ),
    }
}

/// A deleted claim's volume goes too when its policy is `Delete`.
fn release_volume(state: &mut State, claim: &Value) {
    let Some(volume) = claim["spec"]["volumeName"].as_str() else {
        return;
    };
    let key = key("", "persistentvolumes", volume);
    let delete = state
        .objects
        .get(&key)
        .is_some_and(|v| v.object["spec"]["persistentVolumeReclaimPolicy"] == "Delete");
    if delete {
        state.objects.remove(&key);
    }
}

/// What time has done since the last request: namespaces finished terminating, claims bound.
fn settle(cluster: &Cluster, state: &mut State) {
    let gone: Vec<String> = state
        .objects
        .iter()
        .filter(|((_, c, _), s)| {
            c == "namespaces" && s.deleting.is_some_and(|d| d.elapsed() >= TERMINATING)
        })
        .map(|((_, _, name), _)| name.clone())
        .collect();
    for namespace in gone {
        let inside: Vec<_> = state
            .objects
            .keys()
            .filter(|(ns, _, _)| *ns == namespace)
            .cloned()
            .collect();
        for key in inside {
            let removed = state.objects.remove(&key).unwrap();
            if key.1 == "persistentvolumeclaims" {
                release_volume(state, &removed.object);
            }
        }
        state.objects.remove(&key("", "namespaces", &namespace));
    }
    let Some(delay) = cluster.storage.bind_after else {
        return;
    };
    let pending: Vec<_> = state
        .objects
        .iter()
        .filter(|((_, c, _), s)| {
            c == "persistentvolumeclaims" && s.object["status"]["phase"] == "Pending"
        })
        .map(|(k, s)| (k.clone(), s.clone()))
        .collect();
    for (claim_key, claim) in pending {
        let Some(class_name) = claim.object["spec"]["storageClassName"].as_str() else {
            continue;
        };
        let Some(class) = cluster
            .storage_classes
            .iter()
            .find(|c| c["metadata"]["name"] == class_name)
        else {
            continue;
        };
        let since = if class["volumeBindingMode"] == "WaitForFirstConsumer" {
            let consumer = state.objects.iter().find(|((ns, c, _), pod)| {
                *ns == claim_key.0
                    && c == "pods"
                    && pod.object["spec"]["volumes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|v| v["persistentVolumeClaim"]["claimName"] == claim_key.2.as_str())
            });
            match consumer {
                Some((_, pod)) => pod.created,
                None => continue,
            }
        } else {
            claim.created
        };
        if since.elapsed() < delay {
            continue;
        }
        let uid = claim.object["metadata"]["uid"]
            .as_str()
            .unwrap_or("0")
            .to_owned();
        let volume_name = format!("pvc-{uid}");
        let mut spec = json!({
            "accessModes": claim.object["spec"]["accessModes"],
            "capacity": {"storage": claim.object["spec"]["resources"]["requests"]["storage"]},
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": claim_key.0,
                         "name": claim_key.2, "uid": uid},
            "csi": {"driver": class["provisioner"], "volumeHandle": format!("volume-{uid}"),
                    "fsType": "ext4"},
            "persistentVolumeReclaimPolicy": class["reclaimPolicy"],
            "storageClassName": class_name,
            "volumeMode": "Filesystem",
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{
                "key": "topology.cinder.csi.openstack.org/zone", "operator": "In",
                "values": ["az-1"]}]}]}}
        });
        for (field, value) in cluster.storage.volume.as_object().unwrap() {
            spec[field] = value.clone();
        }
        let access_modes = spec["accessModes"].clone();
        let volume = json!({"kind": "PersistentVolume", "apiVersion": "v1",
            "metadata": {"name": volume_name, "uid": format!("{uid}-pv"),
                         "creationTimestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()},
            "spec": spec, "status": {"phase": "Bound"}});
        state.objects.insert(
            key("", "persistentvolumes", &volume_name),
            Stored {
                object: volume,
                created: Instant::now(),
                deleting: None,
            },
        );
        let stored = state.objects.get_mut(&claim_key).unwrap();
        stored.object["spec"]["volumeName"] = json!(volume_name);
        stored.object["status"] = json!({"phase": "Bound", "accessModes": access_modes,
            "capacity": claim.object["spec"]["resources"]["requests"]});
    }
}

/// The provisioner's event about each pending claim of `namespace`, if the scenario has one.
fn pending_events(cluster: &Cluster, state: &State, namespace: &str) -> Vec<Value> {
    let Some((reason, message)) = cluster.storage.pending_event else {
        return Vec::new();
    };
    state
        .objects
        .iter()
        .filter(|((ns, c, _), s)| {
            ns == namespace
                && c == "persistentvolumeclaims"
                && s.object["status"]["phase"] == "Pending"
        })
        .map(|((_, _, name), _)| {
            json!({"kind": "Event", "apiVersion": "v1",
                   "metadata": {"name": format!("{name}.1"), "namespace": namespace},
                   "involvedObject": {"kind": "PersistentVolumeClaim", "name": name,
                                      "namespace": namespace},
                   "reason": reason, "message": message, "type": "Warning"})
        })
        .collect()
}
