//! The command line. Flags of upstream's `scs-compliance-check.py` keep their letters
//! (`-s -a -V -d -t -S -C -o`) so existing jobs can switch by changing the program name.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes of `run`:
  0  every main target of every binding version passed (binding: effective or warn on the
     reference date, or the version forced with -V; draft and deprecated versions are shown
     but do not count; a FAIL waived by --allowed-failures counts as passed, until its entry
     expires, but stays FAIL in the reports)
  1  a main target failed
  2  usage or configuration error (bad flags, scope file, clouds.yaml, kubeconfig, snapshot)
  3  no failure, but a testcase could not be decided (ABORT: permission, endpoint down,
     timeout, invalid answer)
  4  no failure or abort, but a main target has testcases without result (manual, or not
     implemented natively yet)";

const FLAVOR_NAME_HELP: &str = "\
A name is valid when v3, the current version of scs-0100, accepts it. v1 names (`:` where v3
has `-`, `-` where v3 has `_`) are merely tolerated: the output gives their v3 spelling.

Examples:
  scs-check flavor-name SCS-2V-4-20s SCS-16T-64-200s_GNa-72-24_ib
  scs-check flavor-name SCS-2V:4:10                 # a v1 name, and its v3 spelling
  scs-check flavor-name --json SCS-4C-16-2x200p_a1 | jq '.[0].spec'

Exit codes of `flavor-name`:
  0  every name is valid under v3
  1  a name is not (the output says at which character, and what the standard expects)
  2  usage error";

#[derive(Parser)]
#[command(
    name = "scs-check",
    version,
    about = "Checks an OpenStack cloud or a Kubernetes cluster against the Sovereign Cloud Stack \
        (SCS) standards",
    long_about = "Checks an OpenStack cloud or a Kubernetes cluster against the Sovereign Cloud \
        Stack (SCS) standards.\n\n\
        A scope file (scs-0003 YAML, e.g. scopes/scs-compatible-iaas.yaml) names the versions, \
        targets and testcases; the versions in force on the reference date are tested, every \
        testcase by a native check that reads the cloud's (or cluster's) API once.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// More output: -v shows every finding and progress lines, -vv debug logs
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr, no table on stdout (reports are still written)
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Subcommand)]
pub enum Command {
    /// Test a cloud (or a recorded snapshot) against a scope
    #[command(after_help = EXIT_CODES)]
    Run(Box<RunArgs>),
    /// Show the versions, targets and testcases a run would test, and who decides each
    Plan(PlanArgs),
    /// Explain flavor names (scs-0100): validity per version, each component in words, the
    /// canonical and short names, and the flavor a name promises
    #[command(after_help = FLAVOR_NAME_HELP)]
    FlavorName(FlavorNameArgs),
    /// Test many subjects (clouds, clusters) against their scopes in parallel, as a nightly
    /// job does: one combined report, per-run JUnit and JSON, optional signed upload
    #[command(name = "run-all", after_help = RUN_ALL_HELP)]
    RunAll(Box<RunAllArgs>),
    /// Sign, verify, upload and re-render reports (for certification pipelines)
    #[command(subcommand)]
    Report(ReportCommand),
    /// Delete what probes of earlier runs left in the cloud or cluster (killed runs); only resources
    /// named scs-check-<run id>-… are touched
    #[command(after_help = CLEANUP_HELP)]
    Cleanup(CleanupArgs),
    /// Refresh the data the checks judge against (Kubernetes releases) from public sources
    #[command(subcommand)]
    Data(DataCommand),
}

const DATA_UPDATE_HELP: &str = "\
Reads the GitHub releases of kubernetes/kubernetes (with $GITHUB_TOKEN when set: 5000 instead
of 60 requests an hour) and the end-of-life dates of the SCS standards repository, merges them
into the release data in use and sets releases_as_of to today. version-policy-check reads the
default output file whenever it is newer than the built-in data. Answers are cached
(ETag / Last-Modified) in ~/.cache/scs-check. The CVE feed is not read yet.

Exit codes of `data update`:
  0  the file was written
  1  a source could not be read (offline, rate limit, invalid answer): nothing was written,
     the data in use stay (the message says which, and how old)
  2  usage error";

#[derive(Subcommand)]
pub enum DataCommand {
    /// Fetch the current Kubernetes releases and end-of-life dates for version-policy-check
    #[command(after_help = DATA_UPDATE_HELP)]
    Update(DataUpdateArgs),
}

#[derive(Args)]
pub struct DataUpdateArgs {
    /// Where to write [default: $XDG_DATA_HOME/scs-check/k8s-releases.yaml, else
    /// ~/.local/share/scs-check/k8s-releases.yaml, which version-policy-check reads]
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// GitHub releases API of Kubernetes (one page of 100, newest first)
    #[arg(
        long,
        env = "SCS_K8S_RELEASES_URL",
        value_name = "URL",
        default_value = "https://api.github.com/repos/kubernetes/kubernetes/releases?per_page=100"
    )]
    pub releases_url: String,
    /// End-of-life dates per branch (upstream's k8s-eol-data.yml format)
    #[arg(
        long,
        env = "SCS_K8S_EOL_URL",
        value_name = "URL",
        default_value = "https://raw.githubusercontent.com/SovereignCloudStack/standards/main/Tests/kaas/scs_0210_version_policy/k8s-eol-data.yml"
    )]
    pub eol_url: String,
    /// The official Kubernetes CVE feed (JSON Feed), for the releases that fix critical CVEs
    #[arg(
        long,
        env = "SCS_K8S_CVE_FEED_URL",
        value_name = "URL",
        default_value = "https://kubernetes.io/docs/reference/issues-security/official-cve-feed/index.json"
    )]
    pub cve_feed_url: String,
    /// Directory of the HTTP cache [default: $XDG_CACHE_HOME/scs-check, else ~/.cache/scs-check]
    #[arg(long, env = "SCS_CHECK_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Seconds allowed for each request
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

const CLEANUP_HELP: &str = "\
A run deletes what its probes create before it ends, also on Ctrl-C or SIGTERM. Only a run
killed outright (SIGKILL, a crash, a lost machine) leaves resources behind; its stderr then
lacks the `leftovers: none` line. This command finds them by name: `scs-check-`, 12 hex digits
of the run id, `-`, what it is (e.g. scs-check-0123456789ab-secret). Nothing else is touched.
Searched and deleted in this order: servers, key manager secrets, volume backups, volumes,
routers, ports, subnets, networks, security groups (of the token's project): what probes create.
With --kubeconfig or --context, a Kubernetes cluster instead: namespaces labelled
app.kubernetes.io/managed-by=scs-check with a name of that shape, and in them the pods and
PersistentVolumeClaims of the same label and shape (what active parts create).

Examples:
  scs-check cleanup --os-cloud mycloud --dry-run
  scs-check cleanup --os-cloud mycloud --older-than 1h   # spare runs still going
  scs-check cleanup --kubeconfig prod.yaml --context admin@prod

Exit codes of `cleanup`:
  0  every leftover selected is gone (or, with --dry-run, was listed)
  1  something could not be deleted (listed on the `leftovers:` line of stderr)
  2  usage or configuration error, or the cloud could not be read";

#[derive(Args)]
pub struct CleanupArgs {
    /// Cloud from clouds.yaml [default: $OS_CLOUD, else OS_* variables]
    #[arg(long, value_name = "NAME")]
    pub os_cloud: Option<String>,
    /// Clean up a Kubernetes cluster instead, with this kubeconfig file
    #[arg(long, value_name = "PATH", conflicts_with = "os_cloud")]
    pub kubeconfig: Option<String>,
    /// Clean up a Kubernetes cluster instead, this context of the kubeconfig ($KUBECONFIG,
    /// else ~/.kube/config, unless --kubeconfig)
    #[arg(long, value_name = "NAME", conflicts_with = "os_cloud")]
    pub context: Option<String>,
    /// Only resources created at least this long ago, e.g. 1h, 30m, 2d
    #[arg(long, value_name = "AGE", value_parser = crate::probes::cleanup::parse_age)]
    pub older_than: Option<std::time::Duration>,
    /// List what would be deleted, delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds allowed for authentication and each request
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
}

const SIGN_HELP: &str = "\
The signature is the one `ssh-keygen -Y sign -n report -f KEY REPORT` makes (ed25519, namespace
`report`, sha512), so the SCS compliance monitor and `ssh-keygen -Y verify` accept it.

The passphrase of an encrypted key is read from the environment variable SCS_KEY_PASSPHRASE or
from the file named by --passphrase-file; never from the command line.

Example:
  scs-check report sign report.yaml --key ~/.ssh/scs_report_ed25519   # writes report.yaml.sig";

const VERIFY_HELP: &str = "\
Example:
  scs-check report verify report.yaml --public-key ~/.ssh/scs_report_ed25519.pub

Exit codes of `report verify`:
  0  the signature is valid: made by that key, namespace `report`, over exactly these bytes
  1  it is not (the message says why)
  2  a file is missing or unreadable";

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Sign reports as `ssh-keygen -Y sign -n report` does (writes REPORT.sig)
    #[command(after_help = SIGN_HELP)]
    Sign(SignArgs),
    /// Check a report's SSH signature against a public key
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Sign reports and upload them to the SCS compliance monitor
    #[command(after_help = UPLOAD_HELP)]
    Upload(UploadArgs),
    /// Render a saved result (`run --json`) again: table, JUnit, upstream YAML, Markdown, HTML
    #[command(after_help = RENDER_HELP)]
    Render(RenderArgs),
}

const RENDER_HELP: &str = "\
Every format comes from the same result, so a CI job runs the checks once and renders what each
consumer needs; the upstream YAML gets fresh invocation ids, everything else is identical to
what `run` writes.

Examples:
  scs-check report render result.json --format markdown >> \"$GITHUB_STEP_SUMMARY\"
  scs-check report render result.json --format html -o report.html";

/// Formats `report render` writes.
#[derive(Clone, Copy, ValueEnum)]
pub enum RenderFormat {
    /// The terminal table of `run`
    Table,
    /// JUnit XML (Jenkins/Ant schema), as `run --junit`
    Junit,
    /// The upstream YAML report for the compliance monitor, as `run -o`
    Yaml,
    /// Markdown for CI step summaries: results per version and target, failures, collapsed passes
    Markdown,
    /// One self-contained HTML page (no external assets)
    Html,
}

#[derive(Args)]
pub struct RenderArgs {
    /// A result written by `scs-check run --json`
    #[arg(value_name = "RESULT.json")]
    pub result: PathBuf,
    /// Output format
    #[arg(long, value_enum)]
    pub format: RenderFormat,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

const UPLOAD_HELP: &str = "\
Each report is signed in memory with --key and sent as `POST MONITOR/reports` (HTTP Basic auth
as --account, Content-Type application/x-signed-yaml). The password is read from
--password-file or the environment variable SCS_MONITOR_PASSWORD; never from the command line.
Server errors and connection failures are retried (--tries, with backoff); a report the monitor
already has (same run.uuid, answer 409) counts as uploaded.

Example:
  SCS_MONITOR_PASSWORD=… scs-check report upload report.yaml \\
      --monitor https://compliance.sovereignit.cloud/ --account mycloud --key .secret/keyfile

Exit codes of `report upload`:
  0  every report is on the monitor (accepted now, or already present)
  1  a report did not land (refused or unreachable; the message says why and what to do)
  2  usage error: flags, unreadable key or password file, a report unreadable or without
     what the monitor reads (nothing is sent then)";

/// The private key that signs, and where the passphrase of an encrypted one comes from.
#[derive(Args)]
pub struct KeyArgs {
    /// OpenSSH ed25519 private key (the one registered with the compliance monitor)
    #[arg(long, value_name = "PATH")]
    pub key: PathBuf,
    /// File holding the passphrase of an encrypted key [default: $SCS_KEY_PASSPHRASE]
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

#[derive(Args)]
pub struct SignArgs {
    /// Report files (any bytes; usually the YAML of `run -o`)
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Args)]
pub struct UploadArgs {
    /// Report files (the YAML of `run -o`), uploaded in this order
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    #[command(flatten)]
    pub monitor: MonitorArgs,
    /// Seconds allowed for each request
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Attempts per report when the monitor answers 5xx or cannot be reached
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub tries: u32,
}

/// Where reports go and as whom they are signed and sent (`report upload`, `run-all --upload`).
#[derive(Args)]
pub struct MonitorArgs {
    /// Base URL of the compliance monitor, e.g. https://compliance.sovereignit.cloud/
    #[arg(long, value_name = "URL")]
    pub monitor: String,
    /// Account (user name) at the monitor; usually the subject's name
    #[arg(long, value_name = "NAME")]
    pub account: String,
    /// File holding the account's password [default: $SCS_MONITOR_PASSWORD]
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The signed report
    #[arg(value_name = "REPORT")]
    pub report: PathBuf,
    /// The armored signature [default: REPORT.sig]
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// OpenSSH public key (`PATH.pub` is used when PATH is a private key with its .pub beside it)
    #[arg(long, value_name = "PATH")]
    pub public_key: PathBuf,
}

#[derive(Args)]
pub struct Selection {
    /// Scope file (scs-0003 YAML), e.g. scopes/scs-compatible-iaas.yaml
    pub scope: PathBuf,
    /// Test only this version of the scope, whatever the timeline says
    #[arg(short = 'V', long = "version", value_name = "VERSION")]
    pub version: Option<String>,
    /// Reference date that selects the versions from the timeline [default: today, UTC]
    #[arg(short = 'd', long = "date", value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
}

/// Requests a run sends to the cloud at the same time at most, unless `--concurrency` says.
pub const DEFAULT_CONCURRENCY: u64 = 8;
pub const DEFAULT_E2E_TIMEOUT_MINUTES: u64 = 360;
pub const DEFAULT_PROBE_TIMEOUT_SECONDS: u64 = 300;

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Subject name written into the reports [default: the cloud name or kubeconfig context]
    #[arg(short = 's', long = "subject")]
    pub subject: Option<String>,
    /// Assign a scope variable, e.g. -a os_cloud=mycloud (repeatable)
    #[arg(short = 'a', long = "assign", value_name = "KEY=VALUE")]
    pub assign: Vec<String>,
    /// Cloud from clouds.yaml (same as -a os_cloud=NAME) [default: $OS_CLOUD, else OS_* variables]
    #[arg(long, value_name = "NAME")]
    pub os_cloud: Option<String>,
    /// Kubeconfig file (same as -a kubeconfig=PATH) [default: $KUBECONFIG, else ~/.kube/config]
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<String>,
    /// Kubeconfig context to use [default: the kubeconfig's current-context]
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Only testcases whose id matches REGEX at its start
    #[arg(short = 't', long = "tests", value_name = "REGEX")]
    pub tests: Option<String>,
    /// Only testcases of these sections (comma-separated); testcases without section are dropped
    #[arg(
        short = 'S',
        long = "sections",
        value_name = "SECTIONS",
        value_delimiter = ','
    )]
    pub sections: Option<Vec<String>>,
    /// Exit code counts only testcases that could not be decided (ABORT), not failures
    #[arg(short = 'C', long = "critical-only")]
    pub critical_only: bool,
    /// Allowed failures: a YAML file of testcases and e2e tests whose FAIL is accepted until an
    /// expiry date, each with a reason (repeatable; see docs/waivers.md). A waived FAIL stays
    /// FAIL in the reports (and for the compliance monitor) but does not fail the exit code
    #[arg(long = "allowed-failures", value_name = "FILE")]
    pub allowed_failures: Vec<PathBuf>,
    /// Write the upstream-compatible YAML report (for the SCS compliance monitor)
    #[arg(short = 'o', long = "output", value_name = "REPORT.yaml")]
    pub output: Option<PathBuf>,
    /// Write JUnit XML (one testsuite per scope version)
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the full result as JSON (schema: docs/report.schema.json)
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Read the facts from a snapshot file instead of the cloud (no network)
    #[arg(long, value_name = "FILE", conflicts_with = "record")]
    pub snapshot: Option<PathBuf>,
    /// Save the facts read from the cloud to a snapshot file (no secrets in it)
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Seconds allowed for authentication and for reading each fact
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Minutes the Kubernetes e2e tests (sonobuoy, for cncf-k8s-conformance and
    /// kaas-networking-check) may run; sonobuoy's cluster-side timeout is its own
    #[arg(long, value_name = "MINUTES", default_value_t = DEFAULT_E2E_TIMEOUT_MINUTES, value_parser = clap::value_parser!(u64).range(1..))]
    pub e2e_timeout: u64,
    #[command(flatten)]
    pub probes: ProbeArgs,
    /// Requests sent to the cloud at the same time at most
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: u64,
}

/// What probes and active parts may do (see docs/probes.md); `run` and `run-all` share them.
#[derive(Args, Clone)]
pub struct ProbeArgs {
    /// Create nothing: testcases decided by probes (which create and delete resources, see
    /// docs/probes.md) ABORT instead of running, and no active part runs, --active or not
    #[arg(long)]
    pub read_only: bool,
    /// Also run the active parts of Kubernetes checks, which create objects in the cluster
    /// and delete them again (scs-0211: a namespace, a PersistentVolumeClaim of the default
    /// class that must bind, maybe a pod; see docs/probes.md). Off by default; --read-only
    /// wins over it. OpenStack probes need no --active: they run unless --read-only
    #[arg(long)]
    pub active: bool,
    /// Image of the pod an active part starts to mount a volume (WaitForFirstConsumer
    /// storage classes); it only has to start as user 65535 without privileges
    #[arg(long, value_name = "IMAGE", default_value = crate::probes::cluster::DEFAULT_POD_IMAGE)]
    pub pod_image: String,
    /// Seconds allowed for each probe or active part, its own cleanup excluded
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_PROBE_TIMEOUT_SECONDS, value_parser = clap::value_parser!(u64).range(1..))]
    pub probe_timeout: u64,
    /// Image (name or id) for probes that boot a server [default: the newest public Debian,
    /// else Ubuntu, image]
    #[arg(long, value_name = "NAME|ID")]
    pub probe_image: Option<String>,
    /// Flavor (name or id) for probes that boot a server [default: the smallest that fits the
    /// image, preferring hw_rng:allowed]
    #[arg(long, value_name = "NAME|ID")]
    pub probe_flavor: Option<String>,
}

impl ProbeArgs {
    /// The flags that give these settings, defaults left out (for the command line a report
    /// records).
    pub fn argv(&self) -> Vec<String> {
        let mut argv = Vec::new();
        for (flag, on) in [("--read-only", self.read_only), ("--active", self.active)] {
            if on {
                argv.push(flag.to_owned());
            }
        }
        if self.probe_timeout != DEFAULT_PROBE_TIMEOUT_SECONDS {
            argv.extend(["--probe-timeout".to_owned(), self.probe_timeout.to_string()]);
        }
        if self.pod_image != crate::probes::cluster::DEFAULT_POD_IMAGE {
            argv.extend(["--pod-image".to_owned(), self.pod_image.clone()]);
        }
        for (flag, value) in [
            ("--probe-image", &self.probe_image),
            ("--probe-flavor", &self.probe_flavor),
        ] {
            if let Some(value) = value {
                argv.extend([flag.to_owned(), value.clone()]);
            }
        }
        argv
    }
}

#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Print the plan as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct FlavorNameArgs {
    /// Flavor names, e.g. SCS-2V-4-20s or SCS-16T-64-200s_GNa-72-24_ib
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
    /// Print a JSON array with one object per name: name, valid, version, canonical, error,
    /// spec, components
    #[arg(long)]
    pub json: bool,
}

const RUN_ALL_HELP: &str = "\
The config file is the upstream runner's config.toml (Tests/config.toml): [scopes.NAME] spec,
[subjects._.mapping] with {subject} interpolation, [subjects.NAME.mapping], [presets.NAME]
scopes, subjects, workers. A subject's mapping variable `snapshot` replays a snapshot instead
of reading the cloud, `context` picks the kubeconfig context; every other variable is passed
as `-a KEY=VALUE`. A top-level `allowed_failures = [\"FILE\", …]` names allowed-failures files
for every run (see docs/waivers.md). Relative paths (spec, snapshot, kubeconfig,
allowed_failures) are relative to the config file.

Writes into DIR: report.yaml (every run's upstream report, one YAML document each),
SUBJECT/SCOPE.json and SUBJECT/SCOPE.junit.xml per run, summary.md. A broken subject (unknown
cloud, unreadable kubeconfig) is a usage error for that subject only; the others run on.

Example:
  scs-check run-all --config config.toml --preset all --jobs 4 -o reports \\
      --upload --monitor https://compliance.sovereignit.cloud/ --account zuul_ci --key keyfile

Exit codes of `run-all`: the worst over the runs, in this order:
  2  a subject could not be run (usage or configuration error; the others still ran)
  1  a main target failed
  3  a testcase could not be decided (ABORT)
  4  a main target has testcases without result
  0  every run passed
  5  overrides all: --upload was given and the combined report did not land
The config itself being unreadable or naming unknown presets, scopes is also exit code 2,
before anything runs.";

#[derive(Args)]
pub struct RunAllArgs {
    /// Runner config (TOML; the layout of the upstream runner's config.toml)
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Preset: which scopes and subjects to run
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub preset: String,
    /// Run these subjects instead of the preset's (repeatable; as the upstream runner's
    /// --subject), e.g. one per nightly CI job
    #[arg(long = "subject", value_name = "NAME")]
    pub subjects: Vec<String>,
    /// Runs at the same time at most [default: the preset's `workers`, else 4]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub jobs: Option<u64>,
    /// Directory for the combined report and the per-run reports (created if missing)
    #[arg(
        short = 'o',
        long = "output",
        value_name = "DIR",
        default_value = "reports"
    )]
    pub output: PathBuf,
    /// Only testcases of these sections (comma-separated), in every run
    #[arg(
        short = 'S',
        long = "sections",
        value_name = "SECTIONS",
        value_delimiter = ','
    )]
    pub sections: Option<Vec<String>>,
    /// Reference date that selects the versions from the timeline [default: today, UTC]
    #[arg(short = 'd', long = "date", value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
    /// Allowed failures for every run, besides the config's `allowed_failures` (repeatable;
    /// see docs/waivers.md)
    #[arg(long = "allowed-failures", value_name = "FILE")]
    pub allowed_failures: Vec<PathBuf>,
    /// Seconds allowed for authentication and for reading each fact, per run
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// What probes and active parts may do, in every run
    #[command(flatten)]
    pub probes: ProbeArgs,
    /// Sign the combined report and upload it to the compliance monitor (needs --monitor,
    /// --account, --key; the password as for `report upload`)
    #[arg(long, requires_all = ["monitor", "account", "key"])]
    pub upload: bool,
    /// With --upload: base URL of the compliance monitor
    #[arg(long, value_name = "URL", requires = "upload")]
    pub monitor: Option<String>,
    /// With --upload: account at the monitor (a delegate of every subject, as upstream's zuul_ci)
    #[arg(long, value_name = "NAME", requires = "upload")]
    pub account: Option<String>,
    /// With --upload: file holding the account's password [default: $SCS_MONITOR_PASSWORD]
    #[arg(long, value_name = "FILE", requires = "upload")]
    pub password_file: Option<PathBuf>,
    /// With --upload: OpenSSH ed25519 private key registered with the monitor
    #[arg(long, value_name = "PATH", requires = "upload")]
    pub key: Option<PathBuf>,
    /// With --upload: file holding the key's passphrase [default: $SCS_KEY_PASSPHRASE]
    #[arg(long, value_name = "FILE", requires = "upload")]
    pub passphrase_file: Option<PathBuf>,
}

impl RunAllArgs {
    /// The upload settings, when --upload was given (clap makes sure they are complete).
    pub fn monitor(&self) -> Option<MonitorArgs> {
        Some(MonitorArgs {
            monitor: self.monitor.clone().filter(|_| self.upload)?,
            account: self.account.clone()?,
            password_file: self.password_file.clone(),
            key: KeyArgs {
                key: self.key.clone()?,
                passphrase_file: self.passphrase_file.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn probe_flags_are_recorded_as_given_and_defaults_left_out() {
        let argv = |args: &[&str]| {
            let cli =
                Cli::try_parse_from(["scs-check", "run", "scope.yaml"].iter().chain(args)).unwrap();
            let Command::Run(run) = cli.command else {
                panic!("not run")
            };
            run.probes.argv()
        };
        assert!(argv(&["--probe-timeout", "300"]).is_empty());
        assert_eq!(
            argv(&[
                "--active",
                "--read-only",
                "--probe-timeout",
                "60",
                "--probe-flavor",
                "SCS-1V-2"
            ]),
            [
                "--read-only",
                "--active",
                "--probe-timeout",
                "60",
                "--probe-flavor",
                "SCS-1V-2"
            ]
        );
    }
}
