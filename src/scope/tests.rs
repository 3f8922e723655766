//! Scope loading: each validation rule with the error it gives, and version selection on
//! timeline boundaries.

use super::*;

fn load_str(text: &str) -> Result<Scope, LocatedError> {
    parse(Path::new("test.yaml"), text)
}

const MINIMAL: &str = r#"
name: Test scope
uuid: 00000000-0000-0000-0000-000000000000
url: https://example.com/scope.yaml
variables:
  - os_cloud
  - mode: fast
scripts:
- executable: ./check.py
  testcases:
  - id: tc-a
    lifetime: day
  - id: tc-b
    section: light
- testcases:
  - id: manual-c
modules:
  - id: mod-1
    name: Module 1
    targets:
      main: [tc-a]
      recommended: [tc-b]
  - id: mod-2
    name: Module 2
    parameters:
      image_spec: a URL
    targets:
      preview: [manual-c]
versions:
  - version: v2
    include:
      - mod-1
      - ref: mod-2
        parameters:
          image_spec: https://example.com/spec.yaml
  - version: v1
    stabilized_at: 2024-01-01
    include: [mod-1]
timeline:
  - date: 2024-06-01
    versions:
      v2: effective
      v1: deprecated
  - date: 2024-01-01
    versions:
      v1: effective
"#;

#[test]
fn resolves_a_valid_scope() {
    let scope = load_str(MINIMAL).unwrap();
    assert_eq!(scope.testcases.len(), 3);
    assert_eq!(scope.testcases["tc-a"].lifetime, Lifetime::Day);
    assert_eq!(scope.testcases["tc-b"].lifetime, Lifetime::Week);
    assert!(scope.testcases["manual-c"].manual);
    assert!(!scope.testcases["tc-a"].manual);
    let v2 = scope.version("v2").unwrap();
    assert_eq!(v2.targets["main"], vec!["tc-a"]);
    assert_eq!(v2.targets["preview"], vec!["manual-c"]);
    assert_eq!(scope.variables[1].default.as_deref(), Some("fast"));
}

#[test]
fn include_parameters_reach_the_testcases_of_the_module() {
    let scope = load_str(MINIMAL).unwrap();
    let v2 = scope.version("v2").unwrap();
    assert_eq!(
        v2.parameters_of("manual-c")
            .get("image_spec")
            .map(String::as_str),
        Some("https://example.com/spec.yaml")
    );
    assert!(v2.parameters_of("tc-a").is_empty());
    assert!(scope
        .version("v1")
        .unwrap()
        .parameters_of("manual-c")
        .is_empty());
}

#[test]
fn include_parameters_must_be_declared_by_the_module() {
    let error = error_of(&MINIMAL.replace(
        "          image_spec: https://example.com/spec.yaml",
        "          image_specs: https://example.com/spec.yaml",
    ));
    assert!(
        error
            .message
            .contains("assigns parameter `image_specs`, which the module does not declare"),
        "{error}"
    );
    assert!(
        error.hint.as_deref().unwrap().contains("image_spec"),
        "{error}"
    );
    let error = error_of(&MINIMAL.replace(
        "      - mod-1\n",
        "      - ref: mod-1\n        parameters: {x: z}\n",
    ));
    assert!(
        error
            .hint
            .as_deref()
            .unwrap()
            .contains("declares no parameters"),
        "{error}"
    );
}

#[test]
fn a_testcase_gets_one_parameter_set_per_version() {
    let text = MINIMAL.replace("preview: [manual-c]", "main: [tc-a]");
    let error = error_of(&text);
    assert!(
        error.message.contains(
            "testcase tc-a gets different module parameters from two includes of version v2"
        ),
        "{error}"
    );
}

fn error_of(text: &str) -> LocatedError {
    load_str(text).expect_err("must be rejected")
}

#[test]
fn unknown_key_names_line_and_column() {
    let text = MINIMAL.replace("    lifetime: day", "    lifetime: day\n    colour: blue");
    let error = error_of(&text);
    assert!(error.message.contains("colour"), "{error}");
    assert_eq!(error.line, 13, "{error}");
    assert!(error.to_string().starts_with("test.yaml:13:"), "{error}");
}

#[test]
fn duplicate_testcase_id_is_rejected_at_the_second_definition() {
    let text = MINIMAL.replace("  - id: manual-c", "  - id: tc-a");
    let error = error_of(&text);
    assert!(error.message.contains("tc-a is defined twice"), "{error}");
    assert_eq!(error.line, 16);
}

#[test]
fn dangling_references_are_rejected() {
    let error = error_of(&MINIMAL.replace("main: [tc-a]", "main: [tc-x]"));
    assert!(
        error.message.contains("tc-x, which no script defines"),
        "{error}"
    );
    let error = error_of(&MINIMAL.replace("include: [mod-1]", "include: [mod-9]"));
    assert!(
        error.message.contains("module mod-9, which is not defined"),
        "{error}"
    );
    assert_eq!(error.line, 38);
    let error = error_of(&MINIMAL.replace("      v1: effective", "      v0: effective"));
    assert!(
        error.message.contains("version v0, which is not defined"),
        "{error}"
    );
}

#[test]
fn testcase_in_two_targets_of_one_version_is_rejected() {
    let text = MINIMAL.replace("preview: [manual-c]", "preview: [manual-c, tc-a]");
    let error = error_of(&text);
    assert!(
        error
            .message
            .contains("tc-a is in target `main` and in target `preview` of version v2"),
        "{error}"
    );
    assert!(error.hint.is_some());
}

#[test]
fn bad_values_are_rejected() {
    let error = error_of(&MINIMAL.replace("lifetime: day", "lifetime: fortnight"));
    assert!(
        error.message.contains("unknown lifetime `fortnight`"),
        "{error}"
    );
    let error = error_of(&MINIMAL.replace("v2: effective", "v2: active"));
    assert!(error.message.contains("unknown state `active`"), "{error}");
    let error = error_of(&MINIMAL.replace("date: 2024-06-01", "date: June 2024"));
    assert!(error.message.contains("is not a date"), "{error}");
    let error = error_of(&MINIMAL.replace("stabilized_at: 2024-01-01", "stabilized_at: soon"));
    assert!(error.message.contains("stabilized_at `soon`"), "{error}");
}

#[test]
fn duplicate_module_version_and_date_are_rejected() {
    let error = error_of(&MINIMAL.replace("id: mod-2", "id: mod-1"));
    assert!(
        error.message.contains("module id mod-1 is defined twice"),
        "{error}"
    );
    let error = error_of(&MINIMAL.replace("version: v1", "version: v2"));
    assert!(
        error.message.contains("version v2 is defined twice"),
        "{error}"
    );
    let error = error_of(&MINIMAL.replace("date: 2024-01-01", "date: 2024-06-01"));
    assert!(
        error.message.contains("two entries for 2024-06-01"),
        "{error}"
    );
}

#[test]
fn malformed_yaml_names_the_position() {
    let error = error_of("name: [unclosed\nuuid: x\n");
    assert!(error.line >= 1, "{error}");
    let error = error_of("name: x\n");
    assert!(error.message.contains("uuid"), "{error}");
}

#[test]
fn implemented_by_must_name_a_check_that_implements_the_testcase() {
    let base = MINIMAL
        .replace(
            "  - id: tc-b\n",
            "  - id: scs-0123-service-compute\n    implemented_by: CHECK\n",
        )
        .replace(
            "recommended: [tc-b]",
            "recommended: [scs-0123-service-compute]",
        );
    assert!(load_str(&base.replace("CHECK", "scs-0123-mandatory-services")).is_ok());
    let error = error_of(&base.replace("CHECK", "scs-0103-standard-flavors"));
    assert!(error.message.contains("does not implement it"), "{error}");
    let error = error_of(&base.replace("CHECK", "no-such-check"));
    assert!(
        error
            .hint
            .as_deref()
            .unwrap()
            .contains("scs-0123-mandatory-services"),
        "{error}"
    );
}

mod selection {
    use super::*;
    use crate::scope::select::{select, SelectError};

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_latest_entry_not_after_the_date_decides() {
        let scope = load_str(MINIMAL).unwrap();
        let on_boundary = select(&scope, date("2024-06-01"), None).unwrap();
        assert_eq!(on_boundary.len(), 2);
        assert_eq!(
            (on_boundary[0].name.as_str(), on_boundary[0].state),
            ("v2", VersionState::Effective)
        );
        assert!(on_boundary[0].binding);
        assert_eq!(on_boundary[1].state, VersionState::Deprecated);
        assert!(!on_boundary[1].binding);
        let day_before = select(&scope, date("2024-05-31"), None).unwrap();
        assert_eq!(day_before.len(), 1);
        assert_eq!(
            (day_before[0].name.as_str(), day_before[0].state),
            ("v1", VersionState::Effective)
        );
    }

    #[test]
    fn before_the_timeline_nothing_is_in_force() {
        let scope = load_str(MINIMAL).unwrap();
        let error = select(&scope, date("2023-12-31"), None).unwrap_err();
        assert!(matches!(error, SelectError::BeforeTimeline { .. }));
        assert!(error.to_string().contains("2024-01-01"));
    }

    #[test]
    fn forced_version_bypasses_the_timeline_and_keeps_its_state() {
        let scope = load_str(MINIMAL).unwrap();
        let forced = select(&scope, date("2023-01-01"), Some("v2")).unwrap();
        assert_eq!(forced.len(), 1);
        assert!(forced[0].binding);
        assert_eq!(forced[0].state, VersionState::Deprecated);
        let current = select(&scope, date("2024-07-01"), Some("v1")).unwrap();
        assert_eq!(current[0].state, VersionState::Deprecated);
        let error = select(&scope, date("2024-07-01"), Some("v9")).unwrap_err();
        assert!(error.to_string().contains("v2, v1"), "{error}");
    }
}
