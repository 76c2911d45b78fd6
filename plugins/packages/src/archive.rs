//! Rule archives (`.vlxpkg`): one uncompressed ustar file holding `MANIFEST` (the package's
//! name, version and the SHA-256 digest of every other file), an optional `SIGNATURE`
//! (ed25519 over the exact bytes of `MANIFEST`) and the package's files under their relative
//! paths. Format and key files: `docs/publishing.md`.

use std::path::{Component, Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::tar::{self, Entry};
use crate::{hex, PackageError};

/// The first line of every `MANIFEST`.
pub const MANIFEST_HEADER: &str = "voltlex-package-manifest 1";
/// Name of the manifest entry.
pub const MANIFEST: &str = "MANIFEST";
/// Name of the signature entry.
pub const SIGNATURE: &str = "SIGNATURE";

/// What a verified archive holds.
#[derive(Debug, Clone)]
pub struct Verified {
    /// Package name (from MANIFEST).
    pub name: String,
    /// Package version (from MANIFEST).
    pub version: String,
    /// The package's files (MANIFEST and SIGNATURE excluded), each digest checked.
    pub files: Vec<Entry>,
    /// How the signature stands.
    pub signature: SignatureStatus,
    /// SHA-256 of MANIFEST: the archive's identity (what a signature covers).
    pub manifest_digest: String,
}

/// The signature of a verified archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Checked against the key given.
    Valid,
    /// The archive is signed but no key was given: the signature was not checked.
    Unchecked,
    /// The archive is not signed (and no key was required).
    Unsigned,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes))
}

/// Checks that `name` is a relative path of plain components (no `..`, `.`, root, drive or
/// backslash), so joining it to a folder stays inside that folder.
pub fn safe_relative_path(name: &str) -> Result<PathBuf, PackageError> {
    let refuse = |why: &str| {
        Err(PackageError::Unsafe(format!(
            "entry `{name}` {why}: it would be written outside the target folder"
        )))
    };
    if name.is_empty() {
        return refuse("has an empty name");
    }
    if name.starts_with('/') || name.contains('\\') || name.contains(':') {
        return refuse("is an absolute or drive path");
    }
    let path = Path::new(name);
    for component in path.components() {
        match component {
            Component::Normal(_) => {}
            Component::ParentDir => return refuse("climbs with `..`"),
            Component::CurDir => return refuse("contains `.`"),
            Component::RootDir | Component::Prefix(_) => {
                return refuse("is an absolute or drive path")
            }
        }
    }
    Ok(path.to_path_buf())
}

/// The package's files under `dir`, recursively, sorted, as archive names. Hidden files and
/// folders (`.git`, `.DS_Store`) are left out; a symbolic link is refused (an archive holds
/// regular files only, and a link could point anywhere).
fn collect_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, PackageError> {
    let mut found = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| PackageError::io(&folder, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| PackageError::io(&folder, e))?;
            let path = entry.path();
            let Some(file_name) = entry.file_name().to_str().map(str::to_string) else {
                return Err(PackageError::Archive(format!(
                    "{} is not UTF-8: archive names are UTF-8",
                    path.display()
                )));
            };
            if file_name.starts_with('.') {
                continue;
            }
            let name = format!("{prefix}{file_name}");
            let kind = entry.file_type().map_err(|e| PackageError::io(&path, e))?;
            if kind.is_symlink() {
                return Err(PackageError::Archive(format!(
                    "{} is a symbolic link: a package to pack holds regular files only",
                    path.display()
                )));
            } else if kind.is_dir() {
                pending.push((path, format!("{name}/")));
            } else if kind.is_file() {
                if name == MANIFEST || name == SIGNATURE || name.contains('\n') {
                    return Err(PackageError::Archive(format!(
                        "{}: the name `{name}` is reserved or has a line break",
                        path.display()
                    )));
                }
                found.push((name, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Builds an archive of the package folder `dir` (name and version from `manifest`): MANIFEST
/// first, then every file in name order. The same folder always gives the same bytes.
pub fn pack(dir: &Path, name: &str, version: &str) -> Result<Vec<u8>, PackageError> {
    let mut entries = Vec::new();
    let mut manifest = format!("{MANIFEST_HEADER}\nname {name}\nversion {version}\n");
    for (archive_name, path) in collect_files(dir)? {
        let bytes = std::fs::read(&path).map_err(|e| PackageError::io(&path, e))?;
        manifest.push_str(&format!("sha256 {}  {archive_name}\n", sha256_hex(&bytes)));
        entries.push(Entry {
            name: archive_name,
            bytes,
        });
    }
    entries.insert(
        0,
        Entry {
            name: MANIFEST.to_string(),
            bytes: manifest.into_bytes(),
        },
    );
    tar::write(&entries)
}

struct ParsedManifest {
    name: String,
    version: String,
    digests: Vec<(String, String)>,
}

fn parse_manifest(bytes: &[u8]) -> Result<ParsedManifest, PackageError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| PackageError::Tampered("MANIFEST is not UTF-8 text".into()))?;
    let mut lines = text.lines().enumerate();
    if lines.next().map(|(_, l)| l) != Some(MANIFEST_HEADER) {
        return Err(PackageError::Tampered(format!(
            "MANIFEST line 1: expected `{MANIFEST_HEADER}`"
        )));
    }
    let mut name = None;
    let mut version = None;
    let mut digests: Vec<(String, String)> = Vec::new();
    for (index, line) in lines {
        let number = index + 1;
        if let Some(value) = line.strip_prefix("name ") {
            name = Some(value.to_string());
        } else if let Some(value) = line.strip_prefix("version ") {
            version = Some(value.to_string());
        } else if let Some(rest) = line.strip_prefix("sha256 ") {
            let Some((digest, path)) = rest.split_once("  ") else {
                return Err(PackageError::Tampered(format!(
                    "MANIFEST line {number}: expected `sha256 HEX  PATH`, found `{line}`"
                )));
            };
            if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(PackageError::Tampered(format!(
                    "MANIFEST line {number}: `{digest}` is not a SHA-256 digest (64 hex digits)"
                )));
            }
            safe_relative_path(path)?;
            if digests.iter().any(|(p, _)| p == path) {
                return Err(PackageError::Tampered(format!(
                    "MANIFEST line {number}: `{path}` is listed twice"
                )));
            }
            digests.push((path.to_string(), digest.to_ascii_lowercase()));
        } else if !line.is_empty() {
            return Err(PackageError::Tampered(format!(
                "MANIFEST line {number}: unexpected `{line}`"
            )));
        }
    }
    match (name, version) {
        (Some(name), Some(version)) => Ok(ParsedManifest {
            name,
            version,
            digests,
        }),
        _ => Err(PackageError::Tampered(
            "MANIFEST lacks its `name` or `version` line".into(),
        )),
    }
}

/// Checks an archive in memory: every entry a regular file with a safe name, MANIFEST
/// present and well formed, every file listed with its digest and every listed file present,
/// and — when `key` is given — a SIGNATURE by that key over MANIFEST.
pub fn verify(bytes: &[u8], key: Option<&VerifyingKey>) -> Result<Verified, PackageError> {
    let entries = tar::read(bytes)?;
    let mut manifest_bytes = None;
    let mut signature_bytes = None;
    let mut files: Vec<Entry> = Vec::new();
    for entry in entries {
        safe_relative_path(&entry.name)?;
        let duplicate = files.iter().any(|f| f.name == entry.name)
            || (entry.name == MANIFEST && manifest_bytes.is_some())
            || (entry.name == SIGNATURE && signature_bytes.is_some());
        if duplicate {
            return Err(PackageError::Tampered(format!(
                "entry `{}` appears twice",
                entry.name
            )));
        }
        match entry.name.as_str() {
            MANIFEST => manifest_bytes = Some(entry.bytes),
            SIGNATURE => signature_bytes = Some(entry.bytes),
            _ => files.push(entry),
        }
    }
    let manifest_bytes = manifest_bytes.ok_or_else(|| {
        PackageError::Tampered("no MANIFEST: this is not a voltlex rule archive".into())
    })?;
    let manifest = parse_manifest(&manifest_bytes)?;
    for file in &files {
        let Some((_, expected)) = manifest.digests.iter().find(|(p, _)| *p == file.name) else {
            return Err(PackageError::Tampered(format!(
                "`{}` is in the archive but not in MANIFEST: added after packing",
                file.name
            )));
        };
        let actual = sha256_hex(&file.bytes);
        if actual != *expected {
            return Err(PackageError::Tampered(format!(
                "`{}` does not match its digest: MANIFEST says sha256 {expected}, the file has {actual}",
                file.name
            )));
        }
    }
    if let Some((missing, _)) = manifest
        .digests
        .iter()
        .find(|(p, _)| !files.iter().any(|f| f.name == *p))
    {
        return Err(PackageError::Tampered(format!(
            "`{missing}` is listed in MANIFEST but missing from the archive"
        )));
    }
    let signature = match (key, &signature_bytes) {
        (Some(key), Some(signature)) => {
            let signature = parse_signature(signature)?;
            key.verify(&manifest_bytes, &signature).map_err(|_| {
                PackageError::BadSignature(format!(
                    "the signature does not match the public key {}: the archive was signed by another key, or MANIFEST changed after signing",
                    hex::encode(key.as_bytes())
                ))
            })?;
            SignatureStatus::Valid
        }
        (Some(key), None) => {
            return Err(PackageError::BadSignature(format!(
                "the archive is not signed, but a signature by {} is required (--key)",
                hex::encode(key.as_bytes())
            )))
        }
        (None, Some(_)) => SignatureStatus::Unchecked,
        (None, None) => SignatureStatus::Unsigned,
    };
    Ok(Verified {
        name: manifest.name,
        version: manifest.version,
        files,
        signature,
        manifest_digest: sha256_hex(&manifest_bytes),
    })
}

fn parse_signature(bytes: &[u8]) -> Result<Signature, PackageError> {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    let raw = hex::decode(text.trim())
        .ok_or_else(|| PackageError::BadSignature("SIGNATURE is not 128 hex digits".into()))?;
    let array: [u8; 64] = raw.try_into().map_err(|_| {
        PackageError::BadSignature("SIGNATURE is not 64 bytes (128 hex digits)".into())
    })?;
    Ok(Signature::from_bytes(&array))
}

/// Signs an archive: checks its integrity, then returns it with a SIGNATURE (ed25519 over
/// MANIFEST) in place of any earlier one.
pub fn sign(bytes: &[u8], key: &SigningKey) -> Result<Vec<u8>, PackageError> {
    verify(bytes, None)?;
    let entries = tar::read(bytes)?;
    let manifest = entries
        .iter()
        .find(|e| e.name == MANIFEST)
        .ok_or_else(|| PackageError::Tampered("no MANIFEST".into()))?;
    let signature = key.sign(&manifest.bytes);
    let mut out: Vec<Entry> = Vec::new();
    for entry in entries {
        if entry.name == SIGNATURE {
            continue;
        }
        let is_manifest = entry.name == MANIFEST;
        out.push(entry);
        if is_manifest {
            out.push(Entry {
                name: SIGNATURE.to_string(),
                bytes: format!("{}\n", hex::encode(&signature.to_bytes())).into_bytes(),
            });
        }
    }
    tar::write(&out)
}

/// Verifies an archive (see [`verify`]) and writes its files under `target`, which must not
/// exist or be an empty folder. Nothing is written unless the whole archive verifies; every
/// path is checked to stay inside `target`, and no folder on the way may be a symbolic link.
pub fn unpack(
    bytes: &[u8],
    target: &Path,
    key: Option<&VerifyingKey>,
) -> Result<Verified, PackageError> {
    let verified = verify(bytes, key)?;
    if target.exists() {
        let mut entries = std::fs::read_dir(target).map_err(|e| PackageError::io(target, e))?;
        if entries.next().is_some() {
            return Err(PackageError::Archive(format!(
                "{} is not empty: unpack into a new or empty folder",
                target.display()
            )));
        }
    }
    std::fs::create_dir_all(target).map_err(|e| PackageError::io(target, e))?;
    for file in &verified.files {
        let relative = safe_relative_path(&file.name)?;
        let mut folder = target.to_path_buf();
        let parents: Vec<Component> = relative
            .parent()
            .map_or(Vec::new(), |p| p.components().collect());
        for component in parents {
            folder.push(component);
            match std::fs::symlink_metadata(&folder) {
                Ok(meta) if meta.file_type().is_symlink() || !meta.is_dir() => {
                    return Err(PackageError::Unsafe(format!(
                        "{} is not a plain folder: refusing to write `{}` through it",
                        folder.display(),
                        file.name
                    )))
                }
                Ok(_) => {}
                Err(_) => std::fs::create_dir(&folder).map_err(|e| PackageError::io(&folder, e))?,
            }
        }
        let path = target.join(&relative);
        use std::io::Write;
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| PackageError::io(&path, e))?;
        out.write_all(&file.bytes)
            .map_err(|e| PackageError::io(&path, e))?;
    }
    Ok(verified)
}

/// A new random signing key (from the operating system's random source).
pub fn generate_key() -> Result<SigningKey, PackageError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| PackageError::Key(format!("no random numbers from the system: {e}")))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The text of a secret key file: a comment line and 64 hex digits.
pub fn secret_key_text(key: &SigningKey) -> String {
    format!(
        "# voltlex ed25519 secret key: keep private, sign with `voltlex sign`\n{}\n",
        hex::encode(&key.to_bytes())
    )
}

/// The text of a public key file: a comment line and 64 hex digits.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!(
        "# voltlex ed25519 public key: give to those who verify, `voltlex verify --key`\n{}\n",
        hex::encode(key.as_bytes())
    )
}

fn key_bytes(text: &str, path: &Path) -> Result<[u8; 32], PackageError> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    hex::decode(line)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| {
            PackageError::Key(format!(
                "{}: expected a line of 64 hex digits (an ed25519 key from `voltlex keygen`)",
                path.display()
            ))
        })
}

/// Reads a public key file.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, PackageError> {
    let text = std::fs::read_to_string(path).map_err(|e| PackageError::io(path, e))?;
    let bytes = key_bytes(&text, path)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| {
        PackageError::Key(format!(
            "{}: 64 hex digits, but not an ed25519 public key",
            path.display()
        ))
    })
}

/// Reads a secret key file.
pub fn read_secret_key(path: &Path) -> Result<SigningKey, PackageError> {
    let text = std::fs::read_to_string(path).map_err(|e| PackageError::io(path, e))?;
    Ok(SigningKey::from_bytes(&key_bytes(&text, path)?))
}
