//! Lowercase hexadecimal, for digests, keys and signatures in text files.

/// `bytes` as lowercase hex.
///
/// ```
/// assert_eq!(voltlex_packages::hex::encode(&[0x0f, 0xa0]), "0fa0");
/// ```
pub fn encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex (either case) back to bytes; `None` for an odd length or a non-hex character.
///
/// ```
/// assert_eq!(voltlex_packages::hex::decode("0FA0"), Some(vec![0x0f, 0xa0]));
/// assert_eq!(voltlex_packages::hex::decode("0g"), None);
/// ```
pub fn decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
