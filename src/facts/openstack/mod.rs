//! Facts from a live OpenStack cloud.
//!
//! `openstack_sdk` does what is hard to get right (clouds.yaml, the auth plugins, the
//! catalog, TLS options); the few calls SCS needs are plain typed requests made through its
//! authenticated client. Every request runs under the run's timeout and a bound on
//! concurrent requests; every failure becomes the reason of a [`Fact::Error`].

pub mod config;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use openstack_sdk::api::AsyncClient;
use openstack_sdk::types::ServiceType;
use openstack_sdk::AsyncOpenStack;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::sync::Semaphore;

use self::config::ResolvedCloud;
use super::{error_chain, maybe};
use super::{
    Catalog, CatalogEndpoint, CatalogService, Fact, FactKind, Facts, Flavor, Image, ObjectStoreS3,
    SecurityGroupRule, VolumeType,
};

// The crates.io build of openstack_sdk does not link the application-credential plugin
// unless something references it; SCS providers mostly hand out application credentials.
#[used]
static APPLICATION_CREDENTIAL_PLUGIN:
    &openstack_sdk_auth_applicationcredential::ApplicationCredentialAuthenticator =
    &openstack_sdk_auth_applicationcredential::ANCHOR;

/// Nova returns flavor extra specs inline from this microversion on.
const COMPUTE_EXTRA_SPECS_MICROVERSION: &str = "2.61";

/// An authenticated connection to one cloud.
pub struct Session {
    client: AsyncOpenStack,
    cloud: String,
    requests: Semaphore,
    /// For requests that must not carry our token (the S3 probe): clouds.yaml's TLS options.
    verify: bool,
    cacert: Option<String>,
    interface: String,
    timeout: Duration,
}

/// Why a request failed: the service's answer (status and an excerpt of the body), or no
/// usable answer at all (connection, timeout, unexpected JSON).
#[derive(Debug)]
pub(crate) enum RequestError {
    Status(u16, String),
    Other(String),
}

impl RequestError {
    pub(crate) fn into_reason(self) -> String {
        match self {
            Self::Status(_, reason) | Self::Other(reason) => reason,
        }
    }

    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            Self::Status(status, _) => Some(*status),
            Self::Other(_) => None,
        }
    }
}

/// Authenticates against the cloud's Keystone; the error explains what went wrong.
pub async fn connect(
    cloud: &ResolvedCloud,
    timeout: Duration,
    concurrency: usize,
) -> Result<Session, String> {
    let auth_url = cloud
        .config
        .auth
        .as_ref()
        .and_then(|a| a.auth_url.clone())
        .unwrap_or_else(|| "(no auth_url)".into());
    let _state_dir = StateDirGuard::new();
    let connecting = AsyncOpenStack::builder(&cloud.config)
        .disable_auth_cache(true)
        .http_timeout(timeout)
        .http_connect_timeout(timeout.min(Duration::from_secs(10)))
        .connect();
    tracing::debug!("authenticating to cloud `{}` at {auth_url}", cloud.name);
    let client = match tokio::time::timeout(timeout, connecting).await {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => {
            return Err(format!(
                "cannot authenticate to cloud `{}` at {auth_url}: {}",
                cloud.name,
                error_chain(&e)
            ))
        }
        Err(_) => {
            return Err(format!(
                "cannot authenticate to cloud `{}` at {auth_url}: no answer within {}s",
                cloud.name,
                timeout.as_secs()
            ))
        }
    };
    Ok(Session {
        client,
        cloud: cloud.name.clone(),
        requests: Semaphore::new(concurrency.max(1)),
        verify: cloud.config.verify.unwrap_or(true),
        cacert: cloud.config.cacert.clone(),
        interface: cloud
            .config
            .interface
            .clone()
            .unwrap_or_else(|| "public".into()),
        timeout,
    })
}

/// openstack_sdk creates `~/.osc` for its token cache even when the cache is off; a
/// checker leaves nothing behind, so the directory goes again if we made it and it is empty.
/// `run-all` connects to several clouds at once in one process: the guards share one count,
/// and the last one out removes the directory if it did not exist when the first came in.
struct StateDirGuard;

/// Guards alive, and whether the directory was absent when the first of them began.
static STATE_DIR_USERS: std::sync::Mutex<(usize, bool)> = std::sync::Mutex::new((0, false));

fn state_dir() -> std::path::PathBuf {
    // The SDK's own fallback without a home directory: `.osc` in the working directory.
    std::env::home_dir().unwrap_or_default().join(".osc")
}

impl StateDirGuard {
    fn new() -> Self {
        let mut users = STATE_DIR_USERS.lock().unwrap_or_else(|e| e.into_inner());
        if users.0 == 0 {
            users.1 = !state_dir().exists();
        }
        users.0 += 1;
        Self
    }
}

impl Drop for StateDirGuard {
    fn drop(&mut self) {
        let mut users = STATE_DIR_USERS.lock().unwrap_or_else(|e| e.into_inner());
        users.0 -= 1;
        if users.0 == 0 && users.1 {
            // Fails, as it should, if anything was put inside.
            let _ = std::fs::remove_dir(state_dir());
        }
    }
}

impl Session {
    /// Fetches each requested fact once, all concurrently, each under `timeout`.
    pub async fn gather(&self, kinds: &BTreeSet<FactKind>, timeout: Duration) -> Facts {
        let wanted = |kind| kinds.contains(&kind);
        let (flavors, images, volume_types, default_security_group_rules, object_store_s3) = tokio::join!(
            maybe(wanted(FactKind::Flavors), timeout, self.flavors()),
            maybe(wanted(FactKind::Images), timeout, self.images()),
            maybe(wanted(FactKind::VolumeTypes), timeout, self.volume_types()),
            maybe(
                wanted(FactKind::DefaultSecurityGroupRules),
                timeout,
                self.default_security_group_rules()
            ),
            maybe(
                wanted(FactKind::ObjectStoreS3),
                timeout,
                self.object_store_s3()
            ),
        );
        Facts {
            catalog: wanted(FactKind::Catalog).then(|| match self.catalog() {
                Ok(catalog) => Fact::Ok(catalog),
                Err(reason) => Fact::Error(reason),
            }),
            flavors,
            images,
            volume_types,
            default_security_group_rules,
            object_store_s3,
            ..Facts::default()
        }
    }

    /// The catalog the token carries; an unscoped token has none.
    fn catalog(&self) -> Result<Catalog, String> {
        let Some(catalog) = self.client.get_token_catalog() else {
            return Err(format!(
                "the token of cloud `{}` carries no service catalog; is its auth scoped to a \
                 project (project_name or project_id in clouds.yaml)?",
                self.cloud
            ));
        };
        let services = catalog
            .into_iter()
            .map(|s| CatalogService {
                service_type: s.service_type,
                name: s.name,
                endpoints: s
                    .endpoints
                    .into_iter()
                    .map(|e| CatalogEndpoint {
                        interface: e.interface,
                        region: e.region,
                        url: e.url,
                    })
                    .collect(),
            })
            .collect();
        Ok(Catalog { services })
    }

    async fn endpoint(&self, service: ServiceType) -> Result<url::Url, String> {
        let what = service.to_string();
        self.client
            .discover_service_endpoint(&service)
            .await
            .map_err(|e| format!("cannot discover the {what} endpoint: {}", error_chain(&e)))?;
        let endpoint = self
            .client
            .get_service_endpoint(&service, None)
            .await
            .map_err(|e| {
                format!(
                    "cloud `{}` has no usable {what} endpoint in its catalog: {}",
                    self.cloud,
                    error_chain(&e)
                )
            })?;
        Ok(endpoint.url().clone())
    }

    async fn get<T: DeserializeOwned>(
        &self,
        url: &url::Url,
        headers: &[(&str, &str)],
    ) -> Result<T, RequestError> {
        let body = self.send(http::Method::GET, url, headers, None).await?;
        serde_json::from_slice(&body).map_err(|e| {
            RequestError::Other(format!(
                "GET {url}: the answer is not the expected JSON: {e}"
            ))
        })
    }

    /// One authenticated request under the concurrency bound; the body of a successful
    /// answer, or the error. A JSON `body` is sent as `application/json`. Errors quote
    /// the service's answer, never the request body (it may carry a secret).
    pub(crate) async fn send(
        &self,
        method: http::Method,
        url: &url::Url,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>, RequestError> {
        let _permit = self
            .requests
            .acquire()
            .await
            .expect("semaphore never closed");
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(url.as_str())
            // Lets operators tell our requests apart in their API logs.
            .header(
                "User-Agent",
                concat!("scs-check/", env!("CARGO_PKG_VERSION")),
            );
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("Accept"))
        {
            request = request.header("Accept", "application/json");
        }
        if body.is_some() {
            request = request.header("Content-Type", "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let started = std::time::Instant::now();
        let payload = body.map_or_else(Vec::new, |b| b.to_string().into_bytes());
        let response = self
            .client
            .rest_async(request, payload)
            .await
            .map_err(|e| RequestError::Other(format!("{method} {url}: {}", error_chain(&e))))?;
        let status = response.status();
        // URL and status only: headers carry the token, bodies may carry anything.
        tracing::debug!(
            "{method} {url} -> {status} in {} ms ({} bytes)",
            started.elapsed().as_millis(),
            response.body().len()
        );
        if !status.is_success() {
            let body = String::from_utf8_lossy(response.body());
            let excerpt: String = body.chars().take(300).collect();
            return Err(RequestError::Status(
                status.as_u16(),
                format!("{method} {url}: HTTP {status}: {}", excerpt.trim()),
            ));
        }
        Ok(response.into_body().to_vec())
    }

    /// The names of the roles the token carries (`member`, `reader`, …).
    pub(crate) fn token_roles(&self) -> Vec<String> {
        self.client
            .get_auth_info()
            .and_then(|info| info.token.roles)
            .unwrap_or_default()
            .into_iter()
            .map(|role| role.name)
            .collect()
    }

    /// The id of the project the token is scoped to: a listing an admin token would widen to
    /// every project (Neutron's) is narrowed to it.
    pub(crate) fn token_project_id(&self) -> Option<String> {
        self.client
            .get_auth_info()
            .and_then(|info| info.token.project)
            .and_then(|project| project.id)
    }

    /// The catalog URL of a service type for the configured interface, if the token lists one.
    pub(crate) fn catalog_url(&self, service_type: &str) -> Result<Option<url::Url>, String> {
        let catalog = self.catalog()?;
        let Some(endpoint) = catalog
            .with_endpoints(service_type)
            .flat_map(|s| &s.endpoints)
            .find(|e| e.interface == self.interface)
        else {
            return Ok(None);
        };
        url::Url::parse(&endpoint.url)
            .map(Some)
            .map_err(|e| format!("{service_type} endpoint {}: {e}", endpoint.url))
    }

    /// The block storage (Cinder v3) URL: `block-storage`, else the older `volumev3` type.
    pub(crate) fn block_storage_url(&self) -> Result<Option<url::Url>, String> {
        match self.catalog_url("block-storage")? {
            Some(url) => Ok(Some(url)),
            None => self.catalog_url("volumev3"),
        }
    }

    pub(crate) fn cloud_name(&self) -> &str {
        &self.cloud
    }

    /// All flavors the project can use, with extra specs, following pagination.
    async fn flavors(&self) -> Result<Vec<Flavor>, String> {
        let base = self.endpoint(ServiceType::Compute).await?;
        let first = join(&base, "flavors/detail")?;
        let microversion = format!("compute {COMPUTE_EXTRA_SPECS_MICROVERSION}");
        let inline = [("OpenStack-API-Version", microversion.as_str())];
        let pages = match self
            .list_pages::<FlavorPage>(&base, first.clone(), &inline)
            .await
        {
            // 406: the cloud's Nova is older than 2.61; read extra specs per flavor instead.
            Err(RequestError::Status(406, _)) => self
                .list_pages::<FlavorPage>(&base, first, &[])
                .await
                .map_err(RequestError::into_reason)?,
            other => other.map_err(RequestError::into_reason)?,
        };
        let mut flavors = Vec::new();
        for raw in pages.into_iter().flat_map(|p| p.flavors) {
            let extra_specs = match raw.extra_specs {
                Some(specs) => specs,
                None => self.extra_specs(&base, &raw.id).await?,
            };
            flavors.push(Flavor {
                id: raw.id,
                name: raw.name,
                vcpus: raw.vcpus,
                ram: raw.ram,
                disk: raw.disk,
                extra_specs,
            });
        }
        Ok(flavors)
    }

    /// The images of the project's default listing (public ones, and its own private,
    /// shared and community ones), hidden ones included: Glance leaves those out unless
    /// asked. Other tenants' community images are deliberately not read: they are users'
    /// uploads, not the provider's images the standards are about. Each listing is followed
    /// to its end.
    async fn images(&self) -> Result<Vec<Image>, String> {
        let base = self.endpoint(ServiceType::Image).await?;
        let mut images = Vec::new();
        for query in [
            "member_status=all&limit=1000",
            "member_status=all&limit=1000&os_hidden=true",
        ] {
            let mut first = join_versioned(&base, "v2", "images")?;
            first.set_query(Some(query));
            let pages = self
                .list_pages::<ImagePage>(&base, first, &[])
                .await
                .map_err(RequestError::into_reason)?;
            images.extend(
                pages
                    .into_iter()
                    .flat_map(|p| p.images)
                    .map(image_from_glance),
            );
        }
        Ok(images)
    }

    async fn volume_types(&self) -> Result<Vec<VolumeType>, String> {
        let base = self.endpoint(ServiceType::BlockStorage).await?;
        let first = join(&base, "types")?;
        let pages = self
            .list_pages::<VolumeTypePage>(&base, first, &[])
            .await
            .map_err(RequestError::into_reason)?;
        Ok(pages.into_iter().flat_map(|p| p.volume_types).collect())
    }

    async fn default_security_group_rules(&self) -> Result<Vec<SecurityGroupRule>, String> {
        #[derive(Deserialize)]
        struct Rules {
            default_security_group_rules: Vec<SecurityGroupRule>,
        }
        let base = self.endpoint(ServiceType::Network).await?;
        let url = join_versioned(&base, "v2.0", "default-security-group-rules")?;
        match self.get::<Rules>(&url, &[]).await {
            Ok(rules) => Ok(rules.default_security_group_rules),
            Err(RequestError::Status(404, _)) => Err(format!(
                "GET {url}: HTTP 404: this Neutron has no default security group rules API \
                 (it came with OpenStack 2023.2), so the rules new groups get cannot be read"
            )),
            Err(other) => Err(other.into_reason()),
        }
    }

    /// Asks the object store's host for S3 `ListBuckets` with an access key that does not
    /// exist: an S3 implementation refuses the key by name. Sent without our token: it
    /// goes to a different API than the one the token is for.
    async fn object_store_s3(&self) -> Result<ObjectStoreS3, String> {
        let catalog = self.catalog()?;
        let Some(endpoint) = catalog
            .with_endpoints("object-store")
            .flat_map(|s| &s.endpoints)
            .find(|e| e.interface == self.interface)
        else {
            return Ok(ObjectStoreS3::NoObjectStore);
        };
        let swift = url::Url::parse(&endpoint.url)
            .map_err(|e| format!("object-store endpoint {}: {e}", endpoint.url))?;
        let mut s3 = swift.clone();
        s3.set_path("/");
        s3.set_query(None);
        let client = self.plain_client()?;
        let now = chrono::Utc::now();
        let response = client
            .get(s3.as_str())
            .header("x-amz-date", now.format("%Y%m%dT%H%M%SZ").to_string())
            .header("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
            .header(
                "Authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=doesnotexist/{}/us-east-1/s3/aws4_request, \
                     SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={}",
                    now.format("%Y%m%d"),
                    "0".repeat(64)
                ),
            )
            .send()
            .await
            .map_err(|e| format!("GET {s3} (S3 ListBuckets): {}", error_chain(&e)))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| format!("GET {s3} (S3 ListBuckets): cannot read the answer: {e}"))?;
        let error_code = body
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| code.trim().to_owned());
        Ok(ObjectStoreS3::Answer {
            url: s3.to_string(),
            status,
            error_code,
        })
    }

    /// An HTTP client with the cloud's TLS settings that sends no credentials.
    fn plain_client(&self) -> Result<reqwest::Client, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(concat!("scs-check/", env!("CARGO_PKG_VERSION")));
        if !self.verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        if let Some(path) = &self.cacert {
            let pem = std::fs::read(path).map_err(|e| format!("cacert {path}: {e}"))?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("cacert {path}: {e}"))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        builder
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))
    }

    async fn extra_specs(
        &self,
        base: &url::Url,
        flavor: &str,
    ) -> Result<BTreeMap<String, String>, String> {
        #[derive(Deserialize)]
        struct ExtraSpecs {
            extra_specs: BTreeMap<String, String>,
        }
        let url = join(base, &format!("flavors/{flavor}/os-extra_specs"))?;
        self.get::<ExtraSpecs>(&url, &[])
            .await
            .map(|s| s.extra_specs)
            .map_err(RequestError::into_reason)
    }

    /// Follows a listing's next links to its end.
    async fn list_pages<P: Page>(
        &self,
        base: &url::Url,
        first: url::Url,
        headers: &[(&str, &str)],
    ) -> Result<Vec<P>, RequestError> {
        let mut pages = Vec::new();
        let mut next = Some(first);
        let mut seen = BTreeSet::new();
        while let Some(url) = next.take() {
            if !seen.insert(url.to_string()) {
                return Err(RequestError::Other(format!(
                    "GET {url}: the listing's next link points back to a page already read"
                )));
            }
            let page: P = self.get(&url, headers).await?;
            next = page
                .next_url(base, &url)
                .transpose()
                .map_err(|e| RequestError::Other(format!("GET {url}: bad next link: {e}")))?;
            pages.push(page);
        }
        Ok(pages)
    }
}

/// `path` below API `version` of a service: version discovery usually leaves the endpoint
/// at the version (`…/v2.0/`), but a catalog may list the service's root instead.
pub(crate) fn join_versioned(
    base: &url::Url,
    version: &str,
    path: &str,
) -> Result<url::Url, String> {
    let at_version = base
        .path_segments()
        .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
        == Some(version);
    if at_version {
        join(base, path)
    } else {
        join(base, &format!("{version}/{path}"))
    }
}

pub(crate) fn join(base: &url::Url, path: &str) -> Result<url::Url, String> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(path)
        .map_err(|e| format!("cannot build a request URL from {base} and {path}: {e}"))
}

trait Page: DeserializeOwned {
    fn next_link(&self) -> Option<&str>;

    /// Where the next page is: Nova and Cinder give a full link.
    fn next_url(
        &self,
        base: &url::Url,
        _current: &url::Url,
    ) -> Option<Result<url::Url, url::ParseError>> {
        self.next_link().map(|href| base.join(href))
    }
}

#[derive(Deserialize)]
struct Link {
    rel: String,
    href: String,
}

#[derive(Deserialize)]
struct FlavorPage {
    flavors: Vec<NovaFlavor>,
    #[serde(default)]
    flavors_links: Vec<Link>,
}

impl Page for FlavorPage {
    fn next_link(&self) -> Option<&str> {
        next_of(&self.flavors_links)
    }
}

/// Glance's own fields; every other key of an image is a free-form property.
const GLANCE_FIELDS: &[&str] = &[
    "id",
    "name",
    "status",
    "visibility",
    "protected",
    "os_hidden",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "owner",
    "size",
    "virtual_size",
    "min_disk",
    "min_ram",
    "container_format",
    "disk_format",
    "created_at",
    "updated_at",
    "tags",
    "self",
    "file",
    "schema",
    "direct_url",
    "locations",
    "stores",
];

#[derive(Deserialize)]
struct ImagePage {
    images: Vec<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    next: Option<String>,
}

fn image_from_glance(mut raw: serde_json::Map<String, serde_json::Value>) -> Image {
    let text = |raw: &serde_json::Map<String, serde_json::Value>, key: &str| {
        raw.get(key).and_then(|v| v.as_str()).map(str::to_owned)
    };
    let number = |raw: &serde_json::Map<String, serde_json::Value>, key: &str| {
        raw.get(key).and_then(serde_json::Value::as_u64)
    };
    let image = Image {
        id: text(&raw, "id").unwrap_or_default(),
        name: text(&raw, "name").unwrap_or_default(),
        visibility: text(&raw, "visibility").unwrap_or_default(),
        status: text(&raw, "status").unwrap_or_default(),
        os_hidden: raw
            .get("os_hidden")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        size: number(&raw, "size"),
        min_disk: number(&raw, "min_disk").unwrap_or(0),
        min_ram: number(&raw, "min_ram").unwrap_or(0),
        os_hash_algo: text(&raw, "os_hash_algo"),
        disk_format: text(&raw, "disk_format"),
        created_at: text(&raw, "created_at"),
        updated_at: text(&raw, "updated_at"),
        properties: Default::default(),
    };
    raw.retain(|key, _| !GLANCE_FIELDS.contains(&key.as_str()));
    let properties = raw
        .into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(text) => (key, text),
            other => (key, other.to_string()),
        })
        .collect();
    Image {
        properties,
        ..image
    }
}

impl Page for ImagePage {
    fn next_link(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// Glance's next link is relative to its own root, which may not be ours behind a
    /// proxy: keep only its query (the marker) on the URL just read.
    fn next_url(
        &self,
        _base: &url::Url,
        current: &url::Url,
    ) -> Option<Result<url::Url, url::ParseError>> {
        let (_, query) = self.next_link()?.split_once('?')?;
        let mut next = current.clone();
        next.set_query(Some(query));
        Some(Ok(next))
    }
}

#[derive(Deserialize)]
struct VolumeTypePage {
    volume_types: Vec<VolumeType>,
    #[serde(default)]
    volume_types_links: Vec<Link>,
}

impl Page for VolumeTypePage {
    fn next_link(&self) -> Option<&str> {
        next_of(&self.volume_types_links)
    }
}

fn next_of(links: &[Link]) -> Option<&str> {
    links
        .iter()
        .find(|l| l.rel == "next")
        .map(|l| l.href.as_str())
}

#[cfg(test)]
mod tests {
    use super::join_versioned;

    #[test]
    fn paths_are_joined_below_the_api_version_once() {
        for base in ["http://h/v2.0", "http://h/v2.0/", "http://h/", "http://h"] {
            let url = url::Url::parse(base).unwrap();
            assert_eq!(
                join_versioned(&url, "v2.0", "rules").unwrap().as_str(),
                "http://h/v2.0/rules",
                "{base}"
            );
        }
        let proxied = url::Url::parse("https://h/network/v2.0/").unwrap();
        assert_eq!(
            join_versioned(&proxied, "v2.0", "rules").unwrap().as_str(),
            "https://h/network/v2.0/rules"
        );
    }
}

#[derive(Deserialize)]
struct NovaFlavor {
    id: String,
    name: String,
    vcpus: u64,
    ram: u64,
    disk: u64,
    extra_specs: Option<BTreeMap<String, String>>,
}
