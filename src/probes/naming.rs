//! Names of the resources probes create: `scs-check-<run id>-<what>`, where the run id is
//! the first 12 hex digits of the run's UUID (the report's `run.uuid`). [`is_ours`] is the
//! one test `scs-check cleanup` applies before deleting anything.

pub const PREFIX: &str = "scs-check-";
const ID_LEN: usize = 12;

/// The identity of one run, shared by the report and every resource name.
#[derive(Debug, Clone)]
pub struct RunId {
    pub uuid: uuid::Uuid,
}

impl RunId {
    pub fn new() -> Self {
        Self {
            uuid: uuid::Uuid::new_v4(),
        }
    }

    pub fn short(&self) -> String {
        self.uuid.simple().to_string()[..ID_LEN].to_owned()
    }

    /// The name of a resource this run creates; `what` is lowercase words joined by `-`.
    pub fn name(&self, what: &str) -> String {
        format!("{PREFIX}{}-{what}", self.short())
    }
}

/// Whether `name` is one [`RunId::name`] makes: the prefix, 12 lowercase hex digits, `-`,
/// and a non-empty suffix of lowercase letters, digits and `-`.
pub fn is_ours(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let Some((id, what)) = rest.split_at_checked(ID_LEN) else {
        return false;
    };
    let Some(what) = what.strip_prefix('-') else {
        return false;
    };
    id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && !what.is_empty()
        && what
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_our_shape_are_ours() {
        let run = RunId::new();
        assert!(is_ours(&run.name("secret")));
        assert!(is_ours("scs-check-0123456789ab-backup-volume"));
        for other in [
            "scs-check-notours",
            "scs-check-0123456789ab",
            "scs-check-0123456789ab-",
            "scs-check-0123456789AB-secret",
            "scs-check-0123456789a-secret",
            "scs-check-0123456789abc-secret",
            "scs-test-x",
            "scs-member-role-test-secret",
            "my-scs-check-0123456789ab-secret",
            "scs-check-0123456789ab-Secret",
            "",
        ] {
            assert!(!is_ours(other), "{other}");
        }
    }
}
