//! Index series by name: detect the file's format, read it, merge several files into one.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use rust_decimal::Decimal;

use super::error::{show_time, ReadError};
use super::jepx::{self, JepxArea};
use super::monthly;
use super::prices;
use super::text;
use crate::inputs::IndexSeries;

/// The JEPX area an index name asks for: its last `-`-separated word if that names an area
/// (`jepx-tokyo` → Tokyo, `spot-kansai` → Kansai, `jepx-system` → System), otherwise the
/// system price (`jepx` → System).
///
/// ```
/// use voltlex_engine::read::{area_for_index_name, JepxArea};
/// assert_eq!(area_for_index_name("jepx-tokyo"), JepxArea::Tokyo);
/// assert_eq!(area_for_index_name("JEPX-Kyushu"), JepxArea::Kyushu);
/// assert_eq!(area_for_index_name("jepx"), JepxArea::System);
/// assert_eq!(area_for_index_name("market-price"), JepxArea::System);
/// ```
pub fn area_for_index_name(name: &str) -> JepxArea {
    name.rsplit('-')
        .next()
        .and_then(|word| word.parse().ok())
        .unwrap_or(JepxArea::System)
}

/// Reads the series for index `name` from a file, detecting its format from the content:
///
/// - a JEPX `spot_summary` file (its header, once decoded, starts with 受渡日) gives a
///   30-minute [`IndexSeries::Interval`] of one area's prices; the area comes from the index
///   name, see [`area_for_index_name`] (`jepx-tokyo` → Tokyo; a name whose last word is not an
///   area → the system price);
/// - a CSV whose header has a `price` column after the interval start is read as interval
///   prices ([`interval_prices_csv`](super::interval_prices_csv)), giving an
///   [`IndexSeries::Interval`];
/// - anything else is read as a `month,value` CSV ([`monthly_index_csv`](super::monthly_index_csv)),
///   giving an [`IndexSeries::Monthly`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use voltlex_engine::inputs::IndexSeries;
/// let path = std::env::temp_dir().join(format!("voltlex-doc-index-file-{}.csv", std::process::id()));
/// std::fs::write(&path, "month,value\n2024-04,-1.8\n")?;
/// let series = voltlex_engine::read::index_file(&path, "tepco-fuel")?;
/// assert!(matches!(series, IndexSeries::Monthly(_)));
/// # std::fs::remove_file(&path)?;
/// # Ok(())
/// # }
/// ```
pub fn index_file(path: impl AsRef<Path>, name: &str) -> Result<IndexSeries, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = text::decode(&file, text::read_path(path)?)?;
    parse_index(&file, &text, name)
}

/// [`index_file`] from any reader; `source_name` names it in errors.
///
/// ```
/// use voltlex_engine::inputs::IndexSeries;
/// use voltlex_engine::read::index_file_from_reader;
/// let header = "受渡日,時刻コード,a,b,c,システムプライス,エリアプライス北海道,エリアプライス東北,\
///     エリアプライス東京,エリアプライス中部,エリアプライス北陸,エリアプライス関西,\
///     エリアプライス中国,エリアプライス四国,エリアプライス九州,d,e,f,g";
/// let text = format!("{header}\n2024/4/1,1,0,0,0,9,9,9,12,9,9,9,9,9,9,0,0,0,0\n");
/// let series = index_file_from_reader("spot.csv", text.as_bytes(), "jepx-tokyo").unwrap();
/// let IndexSeries::Interval { values, .. } = series else { unreachable!() };
/// assert_eq!(values.values().next().unwrap().to_string(), "12");
/// ```
pub fn index_file_from_reader(
    source_name: &str,
    reader: impl Read,
    name: &str,
) -> Result<IndexSeries, ReadError> {
    let text = text::decode(source_name, text::read_source(source_name, reader)?)?;
    parse_index(source_name, &text, name)
}

fn parse_index(file: &str, text: &str, name: &str) -> Result<IndexSeries, ReadError> {
    if jepx::is_spot_summary(text) {
        jepx::parse_spot_summary(file, text, area_for_index_name(name))
    } else if prices::has_price_header(text) {
        prices::parse_prices(file, text)
    } else {
        monthly::parse_monthly_index(file, text)
    }
}

/// Reads index `name` from several files (e.g. one JEPX file per year) and merges them into
/// one series with [`merge_index`]; a conflict names both files.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use voltlex_engine::inputs::IndexSeries;
/// let dir = std::env::temp_dir();
/// let first = dir.join(format!("voltlex-doc-index-a-{}.csv", std::process::id()));
/// let second = dir.join(format!("voltlex-doc-index-b-{}.csv", std::process::id()));
/// std::fs::write(&first, "month,value\n2024-04,-1.8\n")?;
/// std::fs::write(&second, "month,value\n2024-05,-1.5\n")?;
/// let series = voltlex_engine::read::index_files(&[&first, &second], "tepco-fuel")?;
/// let IndexSeries::Monthly(values) = series else { unreachable!() };
/// assert_eq!(values.len(), 2);
/// # std::fs::remove_file(&first)?;
/// # std::fs::remove_file(&second)?;
/// # Ok(())
/// # }
/// ```
pub fn index_files<P: AsRef<Path>>(paths: &[P], name: &str) -> Result<IndexSeries, ReadError> {
    let mut merged: Option<(IndexSeries, String)> = None;
    for path in paths {
        let label = path.as_ref().display().to_string();
        let series = index_file(path, name)?;
        merged = Some(match merged {
            None => (series, label),
            Some((so_far, so_far_label)) => {
                let series = merge_labelled(so_far, &so_far_label, series, &label)?;
                (series, format!("{so_far_label}, {label}"))
            }
        });
    }
    merged
        .map(|(series, _)| series)
        .ok_or_else(|| ReadError::NoFiles {
            name: name.to_string(),
        })
}

/// Merges two series of the same kind (monthly, or interval with the same interval length)
/// into one. Keys present in both must carry equal values (`12.2` equals `12.20`); a
/// different value is [`ReadError::Conflict`], a different kind [`ReadError::KindMismatch`].
///
/// ```
/// use rust_decimal::Decimal;
/// use std::collections::BTreeMap;
/// use voltlex_engine::inputs::IndexSeries;
/// use voltlex_engine::read::merge_index;
///
/// let april = IndexSeries::Monthly(BTreeMap::from([("2024-04".parse().unwrap(), Decimal::new(-18, 1))]));
/// let may = IndexSeries::Monthly(BTreeMap::from([("2024-05".parse().unwrap(), Decimal::new(-15, 1))]));
/// let IndexSeries::Monthly(both) = merge_index(april.clone(), may).unwrap() else { unreachable!() };
/// assert_eq!(both.len(), 2);
///
/// let other_april = IndexSeries::Monthly(BTreeMap::from([("2024-04".parse().unwrap(), Decimal::new(-17, 1))]));
/// let error = merge_index(april, other_april).unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "the second series: at 2024-04: expected the same value as the first series where \
///      the two overlap, found -1.7 here and -1.8 there"
/// );
/// ```
pub fn merge_index(first: IndexSeries, second: IndexSeries) -> Result<IndexSeries, ReadError> {
    merge_labelled(first, "the first series", second, "the second series")
}

fn merge_labelled(
    first: IndexSeries,
    first_label: &str,
    second: IndexSeries,
    second_label: &str,
) -> Result<IndexSeries, ReadError> {
    match (first, second) {
        (IndexSeries::Monthly(into), IndexSeries::Monthly(from)) => {
            let merged = merge_maps(into, from, first_label, second_label, |month| {
                month.to_string()
            })?;
            Ok(IndexSeries::Monthly(merged))
        }
        (
            IndexSeries::Interval {
                interval_minutes,
                values: into,
            },
            IndexSeries::Interval {
                interval_minutes: other_minutes,
                values: from,
            },
        ) if interval_minutes == other_minutes => {
            let merged = merge_maps(into, from, first_label, second_label, show_time)?;
            Ok(IndexSeries::Interval {
                interval_minutes,
                values: merged,
            })
        }
        (first, second) => Err(ReadError::KindMismatch {
            first: first_label.to_string(),
            second: second_label.to_string(),
            first_kind: kind(&first),
            second_kind: kind(&second),
        }),
    }
}

fn merge_maps<K: Ord + Copy>(
    mut into: BTreeMap<K, Decimal>,
    from: BTreeMap<K, Decimal>,
    first_label: &str,
    second_label: &str,
    show_key: impl Fn(&K) -> String,
) -> Result<BTreeMap<K, Decimal>, ReadError> {
    for (key, value) in from {
        match into.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(value);
            }
            Entry::Occupied(slot) if *slot.get() == value => {}
            Entry::Occupied(slot) => {
                return Err(ReadError::Conflict {
                    first: first_label.to_string(),
                    second: second_label.to_string(),
                    key: show_key(&key),
                    first_value: *slot.get(),
                    second_value: value,
                })
            }
        }
    }
    Ok(into)
}

fn kind(series: &IndexSeries) -> String {
    match series {
        IndexSeries::Monthly(_) => "monthly values".to_string(),
        IndexSeries::Interval {
            interval_minutes, ..
        } => format!("{interval_minutes}-minute interval values"),
    }
}
