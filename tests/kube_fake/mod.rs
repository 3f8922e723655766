//! A fake Kubernetes API server for the integration tests: HTTPS on 127.0.0.1 with a freshly
//! generated CA and server certificate, bearer-token auth, `Status` errors with the real
//! codes, and list paging with `limit`/`continue`. It serves what scs-check and `kubectl get`
//! ask for: `/version`, `/healthz`, discovery (`/api`, `/apis`, the resource lists of `v1`
//! and `storage.k8s.io/v1`), nodes and storage classes.
//!
//! Objects come from fixtures in the shape of `kubectl get … -o json` (a `List` with
//! `kind`/`apiVersion` on each item); the server answers as a real one does: a typed list
//! (`NodeList`, …) whose items carry no `kind`/`apiVersion`. A real cluster's output can be
//! dropped in unchanged. What it cannot show: admission, defaulting, watch, field selectors.
//!
//! For the active parts ([`objects`]) it also keeps namespaces, PersistentVolumeClaims, pods,
//! PersistentVolumes and events that clients create and delete, with the two server-side
//! behaviours they depend on imitated: the DefaultStorageClass admission plugin and a
//! provisioner that binds claims after a delay.

#![allow(dead_code)] // each test crate uses a different part

pub mod objects;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::http::request::Parts;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio_rustls::rustls;

pub const TOKEN: &str = "fake-bearer-token-never-printed";

/// What the fake cluster holds and how it misbehaves.
#[derive(Clone)]
pub struct Cluster {
    pub git_version: String,
    /// Items as `kubectl get nodes -o json` lists them.
    pub nodes: Vec<Value>,
    pub storage_classes: Vec<Value>,
    /// Path → HTTP status to answer with instead (as a `Status` error).
    pub failures: BTreeMap<String, u16>,
    /// Paths answered only after a minute (to test timeouts).
    pub slow: Vec<String>,
    /// The most items a list page holds, whatever `limit` asks (servers may return fewer):
    /// small, so that paging is exercised.
    pub max_page: usize,
    /// How the namespaced objects behave (see [`objects`]).
    pub storage: objects::Storage,
}

impl Cluster {
    /// The fixtures under `tests/data/kubernetes/`.
    pub fn from_fixtures(git_version: &str) -> Self {
        let items = |file: &str| -> Vec<Value> {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/kubernetes")
                .join(file);
            let list: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
                .expect("fixture is JSON");
            list["items"].as_array().expect("a List").clone()
        };
        Self {
            git_version: git_version.into(),
            nodes: items("nodes.json"),
            storage_classes: items("storageclasses.json"),
            failures: BTreeMap::new(),
            slow: Vec::new(),
            max_page: 2,
            storage: objects::Storage::default(),
        }
    }
}

/// A running fake API server; stops with the test process.
pub struct Server {
    pub url: String,
    pub ca_pem: String,
    /// A client certificate (PEM, with its key) the CA signed: it authenticates like the token.
    pub client_cert_pem: String,
    pub client_key_pem: String,
    /// Request lines received (`GET /api/v1/nodes?limit=500`), with whether a valid token came.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// The objects clients created (and tests seeded).
    pub objects: Arc<Mutex<objects::State>>,
}

impl Server {
    pub fn start(cluster: Cluster) -> Self {
        let Certificates {
            ca_pem,
            client_cert_pem,
            client_key_pem,
            tls,
        } = certificates();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let objects = Arc::new(Mutex::new(objects::State::default()));
        let log = requests.clone();
        let state = objects.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(serve(cluster, state, tls, log, tx));
        });
        let address: SocketAddr = rx.recv().expect("server started");
        Self {
            url: format!("https://{address}"),
            ca_pem,
            client_cert_pem,
            client_key_pem,
            requests,
            objects,
        }
    }

    /// A kubeconfig for this server in `dir` with the given bearer token.
    pub fn kubeconfig(&self, dir: &Path, token: &str) -> PathBuf {
        self.kubeconfig_for_user(dir, &format!("token: {token}"))
    }

    /// A kubeconfig for this server in `dir`: context `fake` (current), the CA in `ca.crt`
    /// beside it (a relative path, resolved against the kubeconfig's directory as kubectl
    /// does), and `user` (YAML, indented by the caller's line breaks) as the user's entry.
    pub fn kubeconfig_for_user(&self, dir: &Path, user: &str) -> PathBuf {
        std::fs::write(dir.join("ca.crt"), &self.ca_pem).unwrap();
        let path = dir.join("kubeconfig.yaml");
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n  \
             cluster:\n    server: {}\n    certificate-authority: ca.crt\nusers:\n- name: \
             tester\n  user:\n    {user}\ncontexts:\n- name: fake\n  context:\n    \
             cluster: fake\n    user: tester\n",
            self.url
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

struct Certificates {
    ca_pem: String,
    client_cert_pem: String,
    client_key_pem: String,
    tls: rustls::ServerConfig,
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate signed by it; the
/// server asks for client certificates of the CA but also accepts connections without.
fn certificates() -> Certificates {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "fake kubernetes CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().unwrap()));
    let server_cert = params.signed_by(&server_key, &issuer).unwrap();
    let client_key = KeyPair::generate().unwrap();
    let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    client_params
        .distinguished_name
        .push(DnType::CommonName, "tester");
    let client_cert = client_params.signed_by(&client_key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone()).unwrap();
    let client_verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .allow_unauthenticated()
    .build()
    .unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(client_verifier)
        .with_single_cert(
            vec![server_cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        )
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Certificates {
        ca_pem: ca_cert.pem(),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
        tls: config,
    }
}

async fn serve(
    cluster: Cluster,
    state: Arc<Mutex<objects::State>>,
    tls: rustls::ServerConfig,
    log: Arc<Mutex<Vec<String>>>,
    started: std::sync::mpsc::Sender<SocketAddr>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    started.send(listener.local_addr().unwrap()).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let cluster = Arc::new(cluster);
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let (acceptor, cluster, log) = (acceptor.clone(), cluster.clone(), log.clone());
        let state = state.clone();
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(stream).await else {
                return;
            };
            // rustls verified it against the CA.
            let client_certificate = stream.get_ref().1.peer_certificates().is_some();
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let (cluster, log, state) = (cluster.clone(), log.clone(), state.clone());
                async move {
                    if cluster.slow.iter().any(|p| p == request.uri().path()) {
                        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                    }
                    let (request, body) = request.into_parts();
                    let body = body
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    let answer =
                        answer(&cluster, &state, &log, client_certificate, &request, &body);
                    Ok::<_, Infallible>(answer)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

pub(crate) fn respond(status: u16, body: &Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

/// A `Status` error as the API server writes it.
pub(crate) fn status(code: u16, reason: &str, message: &str) -> Response<Full<Bytes>> {
    respond(
        code,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": reason, "code": code}),
    )
}

pub(crate) fn query(request: &Parts) -> BTreeMap<String, String> {
    request
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn answer(
    cluster: &Cluster,
    state: &Mutex<objects::State>,
    log: &Mutex<Vec<String>>,
    client_certificate: bool,
    request: &Parts,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let path = request.uri.path().to_owned();
    let authorised = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"))
        || client_certificate;
    log.lock().unwrap().push(format!(
        "{} {}{}",
        request.method,
        request.uri,
        if authorised { "" } else { " (no valid token)" }
    ));
    if let Some(&code) = cluster.failures.get(&path) {
        let reason = match code {
            403 => "Forbidden",
            404 => "NotFound",
            _ => "InternalError",
        };
        return status(code, reason, &format!("fake failure of {path}"));
    }
    // Like a real server (system:public-info-viewer): these need no credentials.
    match path.as_str() {
        "/version" => {
            return respond(
                200,
                &json!({"major": "1", "minor": "33", "gitVersion": cluster.git_version,
                        "gitCommit": "0000000000000000000000000000000000000000",
                        "gitTreeState": "clean", "buildDate": "2025-08-12T00:00:00Z",
                        "goVersion": "go1.24.5", "compiler": "gc", "platform": "linux/amd64"}),
            )
        }
        "/healthz" | "/readyz" | "/livez" => {
            return Response::new(Full::new(Bytes::from_static(b"ok")))
        }
        _ => {}
    }
    if !authorised {
        return status(401, "Unauthorized", "Unauthorized");
    }
    match path.as_str() {
        "/api" => respond(
            200,
            &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs":
                    [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}),
        ),
        "/apis" => respond(
            200,
            &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [{"name": "storage.k8s.io",
                    "versions": [{"groupVersion": "storage.k8s.io/v1", "version": "v1"}],
                    "preferredVersion": {"groupVersion": "storage.k8s.io/v1", "version": "v1"}}]}),
        ),
        "/api/v1" => respond(200, &resources("v1", "nodes", "Node", "no")),
        "/apis/storage.k8s.io/v1" => respond(
            200,
            &resources("storage.k8s.io/v1", "storageclasses", "StorageClass", "sc"),
        ),
        "/api/v1/nodes" => list(request, cluster, "NodeList", "v1", &cluster.nodes),
        "/apis/storage.k8s.io/v1/storageclasses" => list(
            request,
            cluster,
            "StorageClassList",
            "storage.k8s.io/v1",
            &cluster.storage_classes,
        ),
        _ => objects::answer(cluster, state, request, body),
    }
}

fn resources(group_version: &str, name: &str, kind: &str, short: &str) -> Value {
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
           "resources": [{"name": name, "singularName": kind.to_lowercase(), "namespaced": false,
                          "kind": kind, "verbs": ["get", "list"], "shortNames": [short]}]})
}

/// One page of a list: `limit` items from the index in `continue`, and the next index.
pub(crate) fn list(
    request: &Parts,
    cluster: &Cluster,
    kind: &str,
    api_version: &str,
    items: &[Value],
) -> Response<Full<Bytes>> {
    let query = query(request);
    let start: usize = match query.get("continue").map(|c| c.parse()) {
        None => 0,
        Some(Ok(start)) => start,
        Some(Err(_)) => {
            return status(410, "Expired", "the provided continue parameter is invalid")
        }
    };
    let limit = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|&l: &usize| l > 0)
        .unwrap_or(usize::MAX)
        .min(cluster.max_page);
    let end = start.saturating_add(limit).min(items.len());
    let page: Vec<Value> = items[start.min(end)..end]
        .iter()
        .map(|item| {
            let mut item = item.clone();
            let object = item.as_object_mut().unwrap();
            object.remove("kind");
            object.remove("apiVersion");
            item
        })
        .collect();
    let mut metadata = json!({"resourceVersion": "4242"});
    if end < items.len() {
        metadata["continue"] = json!(end.to_string());
        metadata["remainingItemCount"] = json!(items.len() - end);
    }
    respond(
        200,
        &json!({"kind": kind, "apiVersion": api_version, "metadata": metadata, "items": page}),
    )
}
