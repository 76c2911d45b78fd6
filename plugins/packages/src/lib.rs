//! Rule packages as files: build and verify archives (SHA-256 manifest, ed25519 signature),
//! compare package versions (changed rules, bill impact over customer load files) and import
//! rates from other formats (OpenEI URDB).
