//! Versions of one package over time. A utility publishes a new version when its rates
//! change; the new version takes over from its `valid_from`. **Decision**: on a date, the
//! version in force is the one with the latest `valid_from` on or before that date whose
//! window has not closed; between two versions with the same `valid_from` the higher semantic
//! version wins (a corrected re-issue supersedes the original).

use chrono::NaiveDate;
use voltlex_dsl::Manifest;

/// The version of package `name` in force on `date` among `manifests` (other packages'
/// manifests are ignored); `None` when no version covers the date.
///
/// ```
/// use chrono::NaiveDate;
/// use voltlex_packages::versions::in_force;
/// let manifest = |version: &str, from: &str, until: &str| voltlex_dsl::Manifest {
///     name: "plan".into(), version: version.into(), publisher: String::new(),
///     description: String::new(),
///     valid_from: from.parse().unwrap(), valid_until: until.parse().unwrap(),
///     files: vec![], sources: vec![], exports: None, dependencies: vec![], tests: vec![],
/// };
/// let old = manifest("2024.4.0", "2024-04-01", "2026-04-01");
/// let new = manifest("2025.4.0", "2025-04-01", "2027-04-01");
/// let all = [old, new];
/// let on = |d: &str| in_force(&all, "plan", d.parse().unwrap()).map(|m| m.version.as_str());
/// assert_eq!(on("2024-10-01"), Some("2024.4.0"));
/// assert_eq!(on("2025-04-01"), Some("2025.4.0")); // the newer one supersedes
/// assert_eq!(on("2027-04-01"), None);
/// ```
pub fn in_force<'m>(
    manifests: &'m [Manifest],
    name: &str,
    date: NaiveDate,
) -> Option<&'m Manifest> {
    manifests
        .iter()
        .filter(|m| m.name == name && m.valid_from <= date && date < m.valid_until)
        .max_by(|a, b| {
            a.valid_from
                .cmp(&b.valid_from)
                .then_with(|| a.semver().cmp(&b.semver()))
        })
}

/// How `new` relates to `old` (same package, later version): the date from which it
/// supersedes, or why it cannot.
pub fn supersedes(old: &Manifest, new: &Manifest) -> Result<NaiveDate, String> {
    if old.name != new.name {
        return Err(format!(
            "`{}` and `{}` are different packages: no supersession, only a comparison",
            old.name, new.name
        ));
    }
    match (old.semver(), new.semver()) {
        (Some(o), Some(n)) if n <= o => {
            return Err(format!(
                "version {n} is not newer than {o}: a new version needs a higher semantic version"
            ))
        }
        _ => {}
    }
    if new.valid_from < old.valid_from {
        return Err(format!(
            "version {} takes effect {} before version {} ({}): a newer version must not start earlier",
            new.version, new.valid_from, old.version, old.valid_from
        ));
    }
    Ok(new.valid_from)
}
