//! The small part of the POSIX ustar format rule archives use: regular files only, names up
//! to 100 bytes, no extensions. Written here rather than taken from a general tar crate so the
//! reader accepts exactly what the writer produces and refuses everything else (links,
//! devices, directories, long-name extensions) before any byte reaches the disk.

use crate::PackageError;

const BLOCK: usize = 512;

/// One regular file of an archive: its name as stored and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The stored name (a relative path with `/`).
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

fn octal(field: &mut [u8], value: u64) {
    // Fixed width, zero-padded, NUL-terminated: the canonical ustar number form.
    let width = field.len().saturating_sub(1);
    let text = format!("{value:0width$o}");
    for (slot, byte) in field.iter_mut().zip(text.bytes().chain(std::iter::once(0))) {
        *slot = byte;
    }
}

/// A ustar header for a regular file `name` of `size` bytes (mode 0644, owner 0, time 0, so
/// the same package always packs to the same bytes).
pub fn header(name: &str, size: u64, type_flag: u8) -> Result<[u8; BLOCK], PackageError> {
    let mut block = [0u8; BLOCK];
    let name_bytes = name.as_bytes();
    let Some(name_field) = block.get_mut(0..100) else {
        return Err(PackageError::Archive("header layout".into()));
    };
    if name_bytes.len() > name_field.len() {
        return Err(PackageError::Archive(format!(
            "path `{name}` is longer than 100 bytes, the limit of a rule archive's names"
        )));
    }
    for (slot, byte) in name_field.iter_mut().zip(name_bytes) {
        *slot = *byte;
    }
    let mut set = |range: std::ops::Range<usize>, value: u64| {
        if let Some(field) = block.get_mut(range) {
            octal(field, value);
        }
    };
    set(100..108, 0o644);
    set(108..116, 0);
    set(116..124, 0);
    set(124..136, size);
    set(136..148, 0);
    if let Some(flag) = block.get_mut(156) {
        *flag = type_flag;
    }
    if let Some(magic) = block.get_mut(257..265) {
        magic.copy_from_slice(b"ustar\x0000");
    }
    // The checksum is computed with its own field read as spaces.
    if let Some(field) = block.get_mut(148..156) {
        field.copy_from_slice(b"        ");
    }
    let sum: u64 = block.iter().map(|&b| u64::from(b)).sum();
    if let Some(field) = block.get_mut(148..156) {
        let text = format!("{sum:06o}\0 ");
        field.copy_from_slice(text.as_bytes());
    }
    Ok(block)
}

/// Appends one entry (header, data, padding) of any type flag; `write` uses `b'0'`. Tests
/// use other flags to craft archives the reader must refuse.
pub fn append_raw(
    out: &mut Vec<u8>,
    name: &str,
    bytes: &[u8],
    type_flag: u8,
) -> Result<(), PackageError> {
    out.extend_from_slice(&header(name, bytes.len() as u64, type_flag)?);
    out.extend_from_slice(bytes);
    let padding = (BLOCK - bytes.len() % BLOCK) % BLOCK;
    out.extend(std::iter::repeat_n(0u8, padding));
    Ok(())
}

/// Closes an archive: two zero blocks.
pub fn finish(out: &mut Vec<u8>) {
    out.extend(std::iter::repeat_n(0u8, 2 * BLOCK));
}

/// An archive of regular files, in the order given.
pub fn write(entries: &[Entry]) -> Result<Vec<u8>, PackageError> {
    let mut out = Vec::new();
    for entry in entries {
        append_raw(&mut out, &entry.name, &entry.bytes, b'0')?;
    }
    finish(&mut out);
    Ok(out)
}

fn text_field(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(field.get(..end).unwrap_or_default()).into_owned()
}

fn parse_octal(field: &[u8], what: &str, at: usize) -> Result<u64, PackageError> {
    let text = text_field(field);
    let digits = text.trim_matches([' ', '\0']);
    u64::from_str_radix(digits, 8).map_err(|_| {
        PackageError::Archive(format!(
            "header at byte {at}: the {what} field `{digits}` is not an octal number"
        ))
    })
}

/// Reads every entry; refuses a bad checksum, a truncated file and any entry that is not a
/// regular file (symbolic or hard links, directories, devices, pax or GNU extensions).
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, PackageError> {
    let mut entries = Vec::new();
    let mut at = 0usize;
    loop {
        let Some(block) = bytes.get(at..at + BLOCK) else {
            return Err(PackageError::Archive(format!(
                "the archive ends at byte {} inside a header or without its end marker: truncated?",
                bytes.len()
            )));
        };
        if block.iter().all(|&b| b == 0) {
            return Ok(entries);
        }
        let name_field = block.get(0..100).unwrap_or_default();
        let prefix = block.get(345..500).map(text_field).unwrap_or_default();
        let mut name = text_field(name_field);
        if !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
        let stored = parse_octal(block.get(148..156).unwrap_or_default(), "checksum", at)?;
        let computed: u64 = block
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(b)
                }
            })
            .sum();
        if stored != computed {
            return Err(PackageError::Archive(format!(
                "header of `{name}` at byte {at}: checksum {stored:o} stored, {computed:o} computed: the archive is damaged"
            )));
        }
        let size = parse_octal(block.get(124..136).unwrap_or_default(), "size", at)?;
        let type_flag = block.get(156).copied().unwrap_or(0);
        let kind = match type_flag {
            b'0' | 0 => None,
            b'1' => Some("a hard link"),
            b'2' => Some("a symbolic link"),
            b'3' | b'4' => Some("a device"),
            b'5' => Some("a directory"),
            b'6' => Some("a FIFO"),
            b'x' | b'g' => Some("a pax extended header"),
            b'L' | b'K' => Some("a GNU long-name header"),
            _ => Some("an entry of an unknown type"),
        };
        if let Some(kind) = kind {
            return Err(PackageError::Unsafe(format!(
                "entry `{name}` is {kind}: a rule archive holds regular files only"
            )));
        }
        let start = at + BLOCK;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        let data = start
            .checked_add(size)
            .and_then(|end| bytes.get(start..end))
            .ok_or_else(|| {
                PackageError::Archive(format!(
                    "entry `{name}` claims {size} bytes but the archive ends first: truncated"
                ))
            })?;
        entries.push(Entry {
            name,
            bytes: data.to_vec(),
        });
        at = start + size.div_ceil(BLOCK) * BLOCK;
    }
}
