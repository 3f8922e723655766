//! scs-0101-v1 "SCS Entropy", the entropy VM: boots one server whose guest reports
//! `entropy_avail`, a FIPS 140-2 test of `/dev/random` and rngd's state on its console, and
//! decides `scs-0101-entropy-avail`, `scs-0101-fips-test` and `scs-0101-rngd` from that one
//! report. What the guest runs, how its console is read and the verdicts live in
//! [`super::entropy_guest`]; this module only orchestrates, as a plain project member.
//!
//! Steps: pick a public image (Debian before Ubuntu, the newest `os_version`; `--probe-image`
//! overrides) and the smallest flavor that fits it (`hw_rng:allowed` ones first;
//! `--probe-flavor` overrides); boot `scs-check-<run id>-entropy` with the guest's user data.
//! The server gets no network at all where Nova allows that (microversion 2.37,
//! `"networks": "none"`: the guest needs none, and nothing is exposed); an older Nova gets a
//! private network and subnet of our own, without router or floating IP. A flavor without
//! a root disk boots from a volume that Nova deletes with the server. Then the server's status
//! is polled until ACTIVE and its console until the guest's report is complete, both within
//! the probe's deadline; the ledger deletes the server (waiting until it is gone) and the
//! network pieces, newest first.
//!
//! Verdicts of the orchestration itself: a server that goes to ERROR, a refusal to create
//! (quota, policy), no console output, or a guest that does not finish its report in time are
//! ABORTs — the cloud's entropy was never measured. Results the guest did report intact
//! before the deadline are judged all the same.

use std::cmp::Reverse;
use std::time::Duration;

use base64::Engine as _;
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

use super::entropy_guest::{self, GuestReport};
use super::ledger::Resource;
use super::{same_for_all, Outcomes, Probe, ProbeContext};
use crate::checks::{scs_0101_entropy, Outcome, Verdict};
use crate::facts::openstack::{join, join_versioned, RequestError};

pub const PROBE: Probe = Probe {
    name: "scs-0101-entropy-vm",
    standard: "scs-0101-v1",
    creates: "one small server (on a boot volume if its flavor has no disk; on a private \
              network of its own if Nova cannot boot it without one)",
    testcases,
    run,
};

/// The first microversion that boots a server without any network.
const NETWORKLESS: (u32, u32) = (2, 37);
/// The first microversion that lists flavors with their extra specs.
const INLINE_EXTRA_SPECS: (u32, u32) = (2, 61);
/// Pause between polls of the server's status and of its console.
const POLL: Duration = Duration::from_secs(3);
/// Console lines quoted when the guest did not finish its report.
const TAIL_LINES: usize = 8;
const TAIL_LINE_CHARS: usize = 160;
/// The private subnet of the fallback network: never routed, so any range does.
const SUBNET_CIDR: &str = "10.101.0.0/24";
const GIB: u64 = 1 << 30;

fn testcases() -> Vec<String> {
    entropy_guest::TESTCASES
        .iter()
        .map(|id| (*id).to_owned())
        .collect()
}

fn run<'a>(testcases: &'a [String], context: &'a ProbeContext<'a>) -> BoxFuture<'a, Outcomes> {
    Box::pin(async move {
        match boot_and_read(context).await {
            Ok(guest) => guest.judge(testcases),
            Err(outcome) => same_for_all(testcases, &outcome),
        }
    })
}

/// What the console showed: complete, or cut off by the deadline.
struct Guest {
    report: GuestReport,
    /// Set when the deadline came first: why, with the last console lines.
    unfinished: Option<String>,
}

impl Guest {
    /// The guest module's verdicts; after a deadline, what it could not decide says so.
    fn judge(&self, testcases: &[String]) -> Outcomes {
        testcases
            .iter()
            .map(|testcase| {
                let outcome = entropy_guest::judge(testcase, &self.report);
                let outcome = match &self.unfinished {
                    Some(why) if outcome.verdict == Verdict::Abort => {
                        let detail = outcome
                            .findings
                            .first()
                            .map(|f| format!(" ({})", f.message))
                            .unwrap_or_default();
                        Outcome::abort(format!("{why}{detail}"))
                    }
                    _ => outcome,
                };
                (testcase.clone(), outcome)
            })
            .collect()
    }
}

async fn boot_and_read(context: &ProbeContext<'_>) -> Result<Guest, Outcome> {
    let compute = service(context, "compute")?;
    let image_service = service(context, "image")?;
    let max = max_microversion(context, &compute).await?;
    let networkless = max >= NETWORKLESS;
    // 2.37 where Nova has it: it boots without a network and has everything else we use.
    let microversion = networkless.then(|| format!("compute {}.{}", NETWORKLESS.0, NETWORKLESS.1));
    let nova = Nova {
        context,
        base: compute,
        microversion: microversion.as_deref(),
    };

    let images = list_images(context, &image_service).await?;
    let image = choose_image(&images, context.options.image.as_deref()).map_err(Outcome::abort)?;
    let flavors = list_flavors(&nova, max >= INLINE_EXTRA_SPECS).await?;
    let flavor = choose_flavor(&flavors, image, context.options.flavor.as_deref())
        .map_err(Outcome::abort)?;
    let boot_volume = (flavor.disk == 0).then(|| image.needed_disk_gib());
    context.say(&format!(
        "image {} ({}), flavor {}{}",
        image.name,
        image.id,
        flavor.name,
        boot_volume.map_or(String::new(), |gib| format!(
            ", booting from a {gib} GiB volume"
        ))
    ));

    let network = if networkless {
        None
    } else {
        context.say("Nova is older than 2.37 and cannot boot without a network: creating one");
        Some(private_network(context).await?)
    };
    let name = context.run_id.name("entropy");
    let mut server = json!({
        "name": name,
        "flavorRef": flavor.id,
        "user_data": base64::engine::general_purpose::STANDARD
            .encode(entropy_guest::user_data()),
        "metadata": {"created_by": format!("scs-check run {}", context.run_id.uuid)},
        // Without a network, a config drive is the only way the user data reach cloud-init
        // (a private network without router has no metadata service on many clouds either).
        "config_drive": true,
        "networks": match &network {
            None => json!("none"),
            Some(id) => json!([{"uuid": id}]),
        },
    });
    match boot_volume {
        Some(gib) => {
            server["block_device_mapping_v2"] = json!([{
                "boot_index": 0, "uuid": image.id, "source_type": "image",
                "destination_type": "volume", "volume_size": gib,
                "delete_on_termination": true,
            }]);
        }
        None => server["imageRef"] = json!(image.id),
    }
    context.say(&format!("booting server {name}"));
    let created = nova
        .send(
            http::Method::POST,
            "servers",
            Some(&json!({ "server": server })),
        )
        .await
        .map_err(|e| refused("boot a server", e))?;
    // Only the id: the answer also holds the server's generated admin password.
    let id =
        super::field(&created, &["server", "id"]).map_err(|e| refused_text("boot a server", &e))?;
    let server_url = nova.url(&format!("servers/{id}"))?;
    context.ledger.record(Resource {
        kind: "server",
        name: name.clone(),
        url: server_url,
    });
    context.hold_for_tests().await;

    let waited = tokio::time::timeout_at(context.report_by(), wait_until_active(&nova, &id)).await;
    match waited {
        Ok(result) => result?,
        Err(_) => {
            return Err(Outcome::abort(format!(
                "the server did not become ACTIVE within {} s (--probe-timeout)",
                context.options.timeout.as_secs()
            )))
        }
    }
    read_console(&nova, &id).await
}

/// Compute API requests at our microversion.
struct Nova<'a> {
    context: &'a ProbeContext<'a>,
    base: url::Url,
    microversion: Option<&'a str>,
}

impl Nova<'_> {
    fn url(&self, path: &str) -> Result<url::Url, Outcome> {
        join(&self.base, path).map_err(Outcome::abort)
    }

    async fn send(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Vec<u8>, RequestError> {
        let url = join(&self.base, path).map_err(RequestError::Other)?;
        let headers: Vec<(&str, &str)> = self
            .microversion
            .map(|version| ("OpenStack-API-Version", version))
            .into_iter()
            .collect();
        self.context
            .session
            .send(method, &url, &headers, body)
            .await
    }
}

fn service(context: &ProbeContext<'_>, service_type: &str) -> Result<url::Url, Outcome> {
    context
        .session
        .catalog_url(service_type)
        .map_err(Outcome::abort)?
        .ok_or_else(|| {
            Outcome::abort(format!(
                "the catalog lists no {service_type} service, so no VM can be booted to \
                 measure entropy in"
            ))
        })
}

/// A creation the cloud refused (quota, policy, bad request): the guest was never reached.
fn refused(what: &str, error: RequestError) -> Outcome {
    refused_text(what, &error.into_reason())
}

fn refused_text(what: &str, reason: &str) -> Outcome {
    Outcome::abort(format!(
        "cannot {what}: {reason}; the VM's entropy could not be measured (is there quota for \
         a small server, and may a member create one?)"
    ))
}

/// The newest microversion Nova offers (`2.1`, i.e. none, when it names none).
async fn max_microversion(
    context: &ProbeContext<'_>,
    compute: &url::Url,
) -> Result<(u32, u32), Outcome> {
    let answer = context
        .session
        .send(http::Method::GET, &version_root(compute), &[], None)
        .await
        .map_err(|e| {
            Outcome::abort(format!(
                "cannot read Nova's API version: {}",
                e.into_reason()
            ))
        })?;
    let version = super::field(&answer, &["version", "version"]).unwrap_or_default();
    Ok(parse_microversion(&version).unwrap_or((2, 1)))
}

/// The compute endpoint up to its `v2.1` segment: catalogs may append the project id, below
/// which there is no version document.
fn version_root(compute: &url::Url) -> url::Url {
    let mut root = compute.clone();
    let segments: Vec<&str> = compute.path().split('/').collect();
    if let Some(at) = segments.iter().position(|s| *s == "v2.1") {
        root.set_path(&format!("{}/", segments[..=at].join("/")));
    }
    root
}

fn parse_microversion(text: &str) -> Option<(u32, u32)> {
    let (major, minor) = text.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// An image as Glance lists it; only what the choice needs.
#[derive(Debug, Clone, Deserialize)]
struct Image {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    os_distro: Option<String>,
    #[serde(default)]
    os_version: Option<String>,
    #[serde(default)]
    min_disk: Option<u64>,
    #[serde(default)]
    min_ram: Option<u64>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    virtual_size: Option<u64>,
    #[serde(default)]
    created_at: String,
}

impl Image {
    /// GiB a disk needs for this image: its `min_disk`, and at least what it unpacks to.
    fn needed_disk_gib(&self) -> u64 {
        let bytes = self.virtual_size.or(self.size).unwrap_or(0);
        self.min_disk.unwrap_or(0).max(bytes.div_ceil(GIB)).max(1)
    }

    /// Debian 2, Ubuntu 1, anything else 0: the guest script is tested on these two.
    fn distro_rank(&self) -> u8 {
        let distro = self
            .os_distro
            .as_deref()
            .unwrap_or(&self.name)
            .to_lowercase();
        if distro.starts_with("debian") {
            2
        } else if distro.starts_with("ubuntu") {
            1
        } else {
            0
        }
    }

    /// `os_version` as numbers (`24.04` → [24, 4]); Debian's codenames count as their number.
    fn version(&self) -> Vec<u32> {
        let text = self
            .os_version
            .as_deref()
            .unwrap_or_default()
            .to_lowercase();
        let named = [
            ("buster", 10),
            ("bullseye", 11),
            ("bookworm", 12),
            ("trixie", 13),
            ("forky", 14),
        ];
        if let Some((_, number)) = named.iter().find(|(name, _)| text.contains(name)) {
            return vec![*number];
        }
        text.split('.')
            .map_while(|part| part.parse().ok())
            .collect()
    }
}

async fn list_images(context: &ProbeContext<'_>, glance: &url::Url) -> Result<Vec<Image>, Outcome> {
    #[derive(Deserialize)]
    struct Page {
        images: Vec<Image>,
        #[serde(default)]
        next: Option<String>,
    }
    let cannot = |reason: String| Outcome::abort(format!("cannot list images: {reason}"));
    let first = join_versioned(glance, "v2", "images").map_err(cannot)?;
    let mut url = first.clone();
    url.set_query(Some("status=active&limit=1000"));
    let mut images = Vec::new();
    // Bounded: a Glance whose next links never end must not keep the probe busy.
    for _ in 0..100 {
        let body = context
            .session
            .send(http::Method::GET, &url, &[], None)
            .await
            .map_err(|e| cannot(e.into_reason()))?;
        let page: Page = serde_json::from_slice(&body)
            .map_err(|e| cannot(format!("GET {url}: not a Glance image list: {e}")))?;
        images.extend(page.images);
        // Glance's next link is relative to its root; keep only its query (the marker).
        let Some((_, query)) = page.next.as_deref().and_then(|n| n.split_once('?')) else {
            break;
        };
        url = first.clone();
        url.set_query(Some(query));
    }
    Ok(images)
}

/// The image named or with the id `wanted`, else the newest public Debian, else Ubuntu.
fn choose_image<'a>(images: &'a [Image], wanted: Option<&str>) -> Result<&'a Image, String> {
    if let Some(wanted) = wanted {
        let matching: Vec<&Image> = images
            .iter()
            .filter(|i| i.id == wanted || i.name == wanted)
            .collect();
        return match matching.as_slice() {
            [image] => Ok(image),
            [] => Err(format!(
                "--probe-image {wanted}: no active image with that name or id"
            )),
            several => Err(format!(
                "--probe-image {wanted}: {} images have that name; give an id",
                several.len()
            )),
        };
    }
    images
        .iter()
        .filter(|i| i.visibility == "public" && i.status == "active" && i.distro_rank() > 0)
        .max_by_key(|i| {
            (
                i.distro_rank(),
                i.version(),
                i.created_at.clone(),
                Reverse(i.name.clone()),
            )
        })
        .ok_or_else(|| {
            "no public Debian or Ubuntu image (by os_distro or name) to boot the entropy VM from; name one \
             with --probe-image"
                .to_owned()
        })
}

#[derive(Debug, Clone, Deserialize)]
struct Flavor {
    id: String,
    name: String,
    vcpus: u64,
    /// MiB.
    ram: u64,
    /// GiB; 0: no root disk, the server boots from a volume.
    disk: u64,
    #[serde(default, rename = "OS-FLV-DISABLED:disabled")]
    disabled: bool,
    #[serde(default)]
    extra_specs: Option<std::collections::BTreeMap<String, String>>,
}

impl Flavor {
    fn allows_rng(&self) -> bool {
        self.extra_specs
            .as_ref()
            .and_then(|specs| specs.get("hw_rng:allowed"))
            .is_some_and(|value| scs_0101_entropy::allows_rng(value))
    }

    /// Size for picking the smallest: vCPUs weigh most, then RAM (3 GiB ≈ one vCPU), then
    /// the disk (10 GiB ≈ one vCPU; a boot volume counts with its size).
    fn weight(&self, image: &Image) -> u64 {
        let disk = if self.disk == 0 {
            image.needed_disk_gib()
        } else {
            self.disk
        };
        // In thirtieths of a vCPU, to stay in integers.
        self.vcpus * 30 + self.ram * 10 / 1024 + disk * 3
    }

    fn fits(&self, image: &Image) -> bool {
        !self.disabled
            && self.vcpus > 0
            && self.ram >= image.min_ram.unwrap_or(0).max(1)
            && (self.disk == 0 || self.disk >= image.needed_disk_gib())
    }
}

async fn list_flavors(nova: &Nova<'_>, inline_specs: bool) -> Result<Vec<Flavor>, Outcome> {
    #[derive(Deserialize)]
    struct Page {
        flavors: Vec<Flavor>,
    }
    let specs_version = format!("compute {}.{}", INLINE_EXTRA_SPECS.0, INLINE_EXTRA_SPECS.1);
    let listing = Nova {
        microversion: if inline_specs {
            Some(specs_version.as_str())
        } else {
            nova.microversion
        },
        base: nova.base.clone(),
        context: nova.context,
    };
    let body = listing
        .send(http::Method::GET, "flavors/detail", None)
        .await
        .map_err(|e| Outcome::abort(format!("cannot list flavors: {}", e.into_reason())))?;
    serde_json::from_slice::<Page>(&body)
        .map(|page| page.flavors)
        .map_err(|e| Outcome::abort(format!("cannot list flavors: not Nova's flavor list: {e}")))
}

/// The flavor named or with the id `wanted`, else the smallest that fits `image`, those
/// allowing a virtio RNG first.
fn choose_flavor<'a>(
    flavors: &'a [Flavor],
    image: &Image,
    wanted: Option<&str>,
) -> Result<&'a Flavor, String> {
    if let Some(wanted) = wanted {
        return flavors
            .iter()
            .find(|f| f.id == wanted)
            .or_else(|| flavors.iter().find(|f| f.name == wanted))
            .ok_or_else(|| format!("--probe-flavor {wanted}: no flavor with that name or id"));
    }
    flavors
        .iter()
        .filter(|f| f.fits(image))
        .min_by_key(|f| (!f.allows_rng(), f.weight(image), f.name.clone()))
        .ok_or_else(|| {
            format!(
                "no flavor has the {} MiB RAM and {} GiB disk image {} needs; name one with \
                 --probe-flavor",
                image.min_ram.unwrap_or(0),
                image.needed_disk_gib(),
                image.name
            )
        })
}

/// A network and subnet of our own, without router: for a Nova that needs a network.
async fn private_network(context: &ProbeContext<'_>) -> Result<String, Outcome> {
    let neutron = service(context, "network")?;
    let name = context.run_id.name("entropy");
    let description = format!("created by scs-check run {}", context.run_id.uuid);
    let create = |collection: &'static str, key: &'static str, body: Value| {
        let url = join_versioned(&neutron, "v2.0", collection);
        async move {
            let url = url.map_err(Outcome::abort)?;
            let answer = context
                .session
                .send(http::Method::POST, &url, &[], Some(&body))
                .await
                .map_err(|e| refused(&format!("create a {key}"), e))?;
            let id = super::field(&answer, &[key, "id"]).map_err(|e| refused_text(key, &e))?;
            let resource = join(&url, &id).map_err(Outcome::abort)?;
            Ok::<_, Outcome>((id, resource))
        }
    };
    let body = json!({"network": {"name": name, "description": description}});
    let (network, url) = create("networks", "network", body).await?;
    context.ledger.record(Resource {
        kind: "network",
        name: name.clone(),
        url,
    });
    let body = json!({"subnet": {
        "name": name, "description": description, "network_id": network,
        "ip_version": 4, "cidr": SUBNET_CIDR, "gateway_ip": null,
    }});
    let (_, url) = create("subnets", "subnet", body).await?;
    context.ledger.record(Resource {
        kind: "subnet",
        name,
        url,
    });
    Ok(network)
}

async fn wait_until_active(nova: &Nova<'_>, id: &str) -> Result<(), Outcome> {
    #[derive(Deserialize)]
    struct Answer {
        server: Server,
    }
    #[derive(Deserialize)]
    struct Server {
        status: String,
        #[serde(default)]
        fault: Option<Fault>,
    }
    #[derive(Deserialize)]
    struct Fault {
        #[serde(default)]
        message: String,
    }
    let mut last = String::new();
    loop {
        let answer = nova
            .send(http::Method::GET, &format!("servers/{id}"), None)
            .await
            .map_err(|e| Outcome::abort(format!("cannot read the server: {}", e.into_reason())))?;
        let server = serde_json::from_slice::<Answer>(&answer)
            .map_err(|e| Outcome::abort(format!("cannot read the server: not Nova's JSON: {e}")))?
            .server;
        match server.status.as_str() {
            "ACTIVE" => return Ok(()),
            "ERROR" => {
                let fault = server.fault.map(|f| f.message).unwrap_or_default();
                return Err(Outcome::abort(format!(
                    "the server went to ERROR: {}; the VM's entropy could not be measured",
                    if fault.is_empty() {
                        "Nova gives no reason"
                    } else {
                        &fault
                    }
                )));
            }
            status if status != last => {
                nova.context.say(&format!("server is {status}"));
                last = status.to_owned();
            }
            _ => {}
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Polls the console until the guest's report is complete or the probe's time is up.
async fn read_console(nova: &Nova<'_>, id: &str) -> Result<Guest, Outcome> {
    let context = nova.context;
    context.say("server is ACTIVE; waiting for the guest's report on its console");
    let path = format!("servers/{id}/action");
    let body = json!({"os-getConsoleOutput": {}});
    let mut console = String::new();
    let mut shown = 0;
    loop {
        let poll = nova.send(http::Method::POST, &path, Some(&body));
        match tokio::time::timeout_at(context.report_by(), poll).await {
            Err(_) => break,
            // Still starting: Nova has no console yet.
            Ok(Err(RequestError::Status(409, _))) => {}
            Ok(Err(e)) => {
                return Err(Outcome::abort(format!(
                    "cannot read the server's console (os-getConsoleOutput): {}; the guest \
                     reports its results there",
                    e.into_reason()
                )))
            }
            Ok(Ok(answer)) => {
                console = super::field(&answer, &["output"]).map_err(|e| {
                    Outcome::abort(format!("cannot read the server's console: {e}"))
                })?;
                let report = entropy_guest::parse(&console);
                if report.results != shown {
                    context.say(&format!("the guest reported {} results", report.results));
                    shown = report.results;
                }
                if report.finished() {
                    return Ok(Guest {
                        report,
                        unfinished: None,
                    });
                }
            }
        }
        if tokio::time::Instant::now() + POLL >= context.report_by() {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    Ok(Guest {
        report: entropy_guest::parse(&console),
        unfinished: Some(format!(
            "the guest did not report within {} s (--probe-timeout); last console lines: {}",
            context.options.timeout.as_secs(),
            tail(&console)
        )),
    })
}

/// The console's last lines for a message: control characters dropped, long lines cut, and
/// lines that may show a secret (cloud-init prints generated passwords) withheld.
fn tail(console: &str) -> String {
    let lines: Vec<String> = console
        .lines()
        .map(|line| line.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|line| !line.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return "(none)".to_owned();
    }
    lines[lines.len().saturating_sub(TAIL_LINES)..]
        .iter()
        .map(|line| {
            let lower = line.to_lowercase();
            if ["pass", "secret", "token", "key"]
                .iter()
                .any(|word| lower.contains(word))
            {
                "[line withheld: it may show a secret]".to_owned()
            } else if line.chars().count() > TAIL_LINE_CHARS {
                format!(
                    "{}…",
                    line.chars().take(TAIL_LINE_CHARS).collect::<String>()
                )
            } else {
                line.trim_end().to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests;
