//! Scope files (scs-0003): loading, strict validation and resolution into a typed [`Scope`].
//!
//! A scope names testcases, groups them into modules with targets (`main`, `recommended`, …),
//! builds versions from modules and puts versions on a timeline. Upstream checks little more
//! than key names; we also reject duplicate ids, dangling references, a testcase in two
//! targets of one version, bad dates, lifetimes and timeline states, and every error names
//! file, line and column with a hint on how to fix it.

mod raw;
pub mod select;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde_saphyr::{Location, Spanned};

use raw::{RawInclude, RawScope, RawVariable};

use crate::located::LocatedError;

/// How long a testcase result stays valid (scs-0003); `week` when the scope says nothing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lifetime {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Lifetime {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "quarter" => Self::Quarter,
            "year" => Self::Year,
            _ => return None,
        })
    }
}

/// The state a timeline entry gives a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionState {
    Draft,
    Effective,
    Warn,
    Deprecated,
}

impl VersionState {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "draft" => Self::Draft,
            "effective" => Self::Effective,
            "warn" => Self::Warn,
            "deprecated" => Self::Deprecated,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Effective => "effective",
            Self::Warn => "warn",
            Self::Deprecated => "deprecated",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub default: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Testcase {
    pub id: String,
    pub description: Option<String>,
    pub url: Option<String>,
    pub lifetime: Lifetime,
    pub section: Option<String>,
    /// Manual testcases belong to a script without `executable`; nothing can decide them.
    pub manual: bool,
    /// The native check our own scope files name; upstream files leave this empty.
    pub implemented_by: Option<String>,
}

/// Values a version assigns to the parameters of a module it includes (scs-0003: `include:
/// [{ref: MODULE, parameters: {image_spec: URL}}]`), e.g. which image spec scs-0104 checks.
pub type Parameters = BTreeMap<String, String>;

/// A module, as far as resolution needs it: its declared parameters and testcases per target.
struct Module {
    id: String,
    parameters: BTreeSet<String>,
    targets: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub name: String,
    /// Target name → testcase ids, in order of first appearance.
    pub targets: BTreeMap<String, Vec<String>>,
    /// Testcase id → the parameters its module is included with; absent means none.
    pub parameters: BTreeMap<String, Parameters>,
}

impl Version {
    /// The parameters `testcase` runs with in this version.
    pub fn parameters_of(&self, testcase: &str) -> &Parameters {
        static NONE: Parameters = BTreeMap::new();
        self.parameters.get(testcase).unwrap_or(&NONE)
    }
}

#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub date: NaiveDate,
    pub versions: BTreeMap<String, VersionState>,
}

#[derive(Debug, Clone)]
pub struct Scope {
    pub path: PathBuf,
    pub name: String,
    pub uuid: String,
    pub url: String,
    pub variables: Vec<Variable>,
    pub testcases: BTreeMap<String, Testcase>,
    pub versions: Vec<Version>,
    pub timeline: Vec<TimelineEntry>,
}

impl Scope {
    pub fn version(&self, name: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.name == name)
    }
}

/// Reads and validates a scope file.
pub fn load(path: &Path) -> Result<Scope, LocatedError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        LocatedError::unreadable(
            path,
            "scope file",
            &e,
            "pass the path of a scope YAML file, e.g. scopes/scs-compatible-iaas.yaml",
        )
    })?;
    parse(path, &text)
}

/// Validates scope text; `path` only names the file in errors.
pub fn parse(path: &Path, text: &str) -> Result<Scope, LocatedError> {
    let raw: RawScope = serde_saphyr::from_str(text).map_err(|e| {
        LocatedError::yaml(
            path,
            &e,
            "the scope file must follow scs-0003: top-level keys name, uuid, url, variables, \
             scripts, modules, versions, timeline, prerequisite",
        )
    })?;
    Resolver { path }.resolve(raw)
}

struct Resolver<'a> {
    path: &'a Path,
}

impl Resolver<'_> {
    fn error(&self, at: Location, message: String, hint: &str) -> LocatedError {
        LocatedError::at(self.path, at, message, hint)
    }

    fn date(&self, value: &Spanned<String>, what: &str) -> Result<NaiveDate, LocatedError> {
        NaiveDate::parse_from_str(&value.value, "%Y-%m-%d").map_err(|_| {
            self.error(
                value.referenced,
                format!("{what} `{}` is not a date", value.value),
                "write dates as YYYY-MM-DD",
            )
        })
    }

    fn resolve(&self, raw: RawScope) -> Result<Scope, LocatedError> {
        let variables = raw
            .variables
            .iter()
            .map(|v| self.variable(v))
            .collect::<Result<Vec<_>, _>>()?;
        let testcases = self.testcases(&raw)?;
        let modules = self.modules(&raw, &testcases)?;
        let versions = self.versions(&raw, &modules)?;
        let timeline = self.timeline(&raw, &versions)?;
        Ok(Scope {
            path: self.path.to_owned(),
            name: raw.name,
            uuid: raw.uuid,
            url: raw.url,
            variables,
            testcases,
            versions,
            timeline,
        })
    }

    fn variable(&self, v: &Spanned<RawVariable>) -> Result<Variable, LocatedError> {
        match &v.value {
            RawVariable::Required(name) => Ok(Variable {
                name: name.clone(),
                default: None,
            }),
            RawVariable::WithDefault(map) if map.len() == 1 => {
                let (name, default) = map.iter().next().expect("one entry");
                Ok(Variable {
                    name: name.clone(),
                    default: Some(default.clone()),
                })
            }
            RawVariable::WithDefault(_) => Err(self.error(
                v.referenced,
                "a variable with a default must be a one-entry map".into(),
                "write `- name: default`, one variable per list item",
            )),
        }
    }

    fn testcases(&self, raw: &RawScope) -> Result<BTreeMap<String, Testcase>, LocatedError> {
        let mut testcases = BTreeMap::new();
        for script in &raw.scripts {
            for tc in &script.testcases {
                let lifetime = match &tc.lifetime {
                    None => Lifetime::Week,
                    Some(l) => Lifetime::parse(&l.value).ok_or_else(|| {
                        self.error(
                            l.referenced,
                            format!("unknown lifetime `{}` of testcase {}", l.value, tc.id.value),
                            "use one of day, week, month, quarter, year",
                        )
                    })?,
                };
                let testcase = Testcase {
                    id: tc.id.value.clone(),
                    description: tc.description.clone(),
                    url: tc.url.clone(),
                    lifetime,
                    section: tc.section.clone(),
                    manual: script.executable.is_none() && tc.implemented_by.is_none(),
                    implemented_by: tc.implemented_by.as_ref().map(|c| c.value.clone()),
                };
                if let Some(check) = &tc.implemented_by {
                    if !crate::plan::implements(&check.value, &tc.id.value) {
                        return Err(self.error(
                            check.referenced,
                            format!(
                                "testcase {} names check `{}`, which does not implement it",
                                tc.id.value, check.value
                            ),
                            &format!(
                                "use one of the checks and probes listed by `scs-check plan`: {}",
                                crate::plan::decider_names().join(", ")
                            ),
                        ));
                    }
                }
                if testcases.insert(testcase.id.clone(), testcase).is_some() {
                    return Err(self.error(
                        tc.id.referenced,
                        format!("testcase id {} is defined twice", tc.id.value),
                        "testcase ids must be unique across all scripts; remove or rename one",
                    ));
                }
            }
        }
        Ok(testcases)
    }

    fn modules(
        &self,
        raw: &RawScope,
        testcases: &BTreeMap<String, Testcase>,
    ) -> Result<Vec<Module>, LocatedError> {
        let mut modules: Vec<Module> = Vec::new();
        for m in &raw.modules {
            if modules.iter().any(|known| known.id == m.id.value) {
                return Err(self.error(
                    m.id.referenced,
                    format!("module id {} is defined twice", m.id.value),
                    "module ids must be unique; remove or rename one",
                ));
            }
            let mut targets = BTreeMap::new();
            for (target, ids) in m.targets.iter().flatten() {
                for id in ids {
                    if !testcases.contains_key(&id.value) {
                        return Err(self.error(
                            id.referenced,
                            format!(
                                "module {} lists testcase {}, which no script defines",
                                m.id.value, id.value
                            ),
                            "define the testcase under `scripts[].testcases` or fix the id",
                        ));
                    }
                }
                targets.insert(
                    target.clone(),
                    ids.iter().map(|id| id.value.clone()).collect(),
                );
            }
            modules.push(Module {
                id: m.id.value.clone(),
                parameters: m
                    .parameters
                    .iter()
                    .flatten()
                    .map(|(k, _)| k.clone())
                    .collect(),
                targets,
            });
        }
        Ok(modules)
    }

    fn versions(&self, raw: &RawScope, modules: &[Module]) -> Result<Vec<Version>, LocatedError> {
        let mut versions: Vec<Version> = Vec::new();
        for v in &raw.versions {
            if versions.iter().any(|known| known.name == v.version.value) {
                return Err(self.error(
                    v.version.referenced,
                    format!("version {} is defined twice", v.version.value),
                    "version names must be unique",
                ));
            }
            if let Some(date) = &v.stabilized_at {
                self.date(date, "stabilized_at")?;
            }
            let mut targets: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut target_of: BTreeMap<String, String> = BTreeMap::new();
            let mut parameters: BTreeMap<String, Parameters> = BTreeMap::new();
            for include in &v.include {
                let (module_id, assigned) = match &include.value {
                    RawInclude::Module(id) => (id, &Parameters::new()),
                    RawInclude::Ref(r) => (&r.module, &r.parameters),
                };
                let module = modules.iter().find(|m| &m.id == module_id).ok_or_else(|| {
                    self.error(
                        include.referenced,
                        format!(
                            "version {} includes module {module_id}, which is not defined",
                            v.version.value
                        ),
                        "define the module under `modules` or fix the id",
                    )
                })?;
                self.check_parameters_declared(include.referenced, module, assigned)?;
                for (target, ids) in &module.targets {
                    for id in ids {
                        match target_of.get(id) {
                            Some(other) if other != target => {
                                return Err(self.error(
                                    include.referenced,
                                    format!(
                                        "testcase {id} is in target `{other}` and in target `{target}` \
                                         of version {}",
                                        v.version.value
                                    ),
                                    "a testcase may belong to one target per version; \
                                     remove it from one of the modules",
                                ));
                            }
                            Some(_) => continue,
                            None => {
                                target_of.insert(id.clone(), target.clone());
                                targets.entry(target.clone()).or_default().push(id.clone());
                            }
                        }
                    }
                }
                for id in module.targets.values().flatten() {
                    self.assign_parameters(
                        include.referenced,
                        &v.version.value,
                        id,
                        assigned,
                        &mut parameters,
                    )?;
                }
            }
            versions.push(Version {
                name: v.version.value.clone(),
                targets,
                parameters,
            });
        }
        Ok(versions)
    }

    /// scs-0003: a version assigns values to the parameters the module declares; a name the
    /// module does not declare is a typo that would silently leave the real one unset.
    fn check_parameters_declared(
        &self,
        at: Location,
        module: &Module,
        assigned: &Parameters,
    ) -> Result<(), LocatedError> {
        match assigned.keys().find(|name| !module.parameters.contains(*name)) {
            None => Ok(()),
            Some(name) => Err(self.error(
                at,
                format!(
                    "the include of module {} assigns parameter `{name}`, which the module does not declare",
                    module.id
                ),
                &if module.parameters.is_empty() {
                    "the module declares no parameters; remove `parameters`".to_owned()
                } else {
                    format!(
                        "the module declares: {}",
                        module.parameters.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                },
            )),
        }
    }

    /// Records the parameters `testcase` gets from one include; a testcase runs once per
    /// version, so two includes must not give it different values.
    fn assign_parameters(
        &self,
        at: Location,
        version: &str,
        testcase: &str,
        assigned: &Parameters,
        parameters: &mut BTreeMap<String, Parameters>,
    ) -> Result<(), LocatedError> {
        match parameters.get(testcase) {
            Some(earlier) if earlier != assigned => Err(self.error(
                at,
                format!(
                    "testcase {testcase} gets different module parameters from two includes of \
                     version {version}"
                ),
                "include the testcase through one module, or give both includes the same parameters",
            )),
            Some(_) => Ok(()),
            None => {
                parameters.insert(testcase.to_owned(), assigned.clone());
                Ok(())
            }
        }
    }

    fn timeline(
        &self,
        raw: &RawScope,
        versions: &[Version],
    ) -> Result<Vec<TimelineEntry>, LocatedError> {
        let mut timeline = Vec::new();
        let mut dates = BTreeSet::new();
        for entry in &raw.timeline {
            let date = self.date(&entry.date, "timeline date")?;
            if !dates.insert(date) {
                return Err(self.error(
                    entry.date.referenced,
                    format!("timeline has two entries for {date}"),
                    "merge the entries; each date may appear once",
                ));
            }
            let mut states = BTreeMap::new();
            for (name, state) in &entry.versions.value {
                if !versions.iter().any(|v| &v.name == name) {
                    return Err(self.error(
                        entry.versions.referenced,
                        format!("timeline entry {date} names version {name}, which is not defined"),
                        "add the version under `versions` or fix its name",
                    ));
                }
                let state = VersionState::parse(state).ok_or_else(|| {
                    self.error(
                        entry.versions.referenced,
                        format!("timeline entry {date} gives version {name} the unknown state `{state}`"),
                        "use one of draft, effective, warn, deprecated",
                    )
                })?;
                states.insert(name.clone(), state);
            }
            timeline.push(TimelineEntry {
                date,
                versions: states,
            });
        }
        Ok(timeline)
    }
}

#[cfg(test)]
mod tests;
