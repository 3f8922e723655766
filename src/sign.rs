//! SSH signatures of reports (SSHSIG), byte for byte as `ssh-keygen -Y sign -n report` makes
//! them.
//!
//! The SCS compliance monitor accepts a report only with such a signature, made by a key that
//! is registered for the uploading account, and checks it with `ssh-keygen -Y verify -n
//! report`. Signing natively lets a pipeline sign and upload without OpenSSH and without a key
//! agent. Only ed25519 keys: the monitor's accounts are set up with them, and ed25519
//! signatures are deterministic, so ours equal those of `ssh-keygen`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The namespace the monitor verifies with (`-n report`).
pub const NAMESPACE: &str = "report";

/// Reads an OpenSSH private key; `passphrase` decrypts an encrypted one.
///
/// Neither the key nor the passphrase ever appear in an error.
pub fn load_private_key(path: &Path, passphrase: Option<&str>) -> Result<PrivateKey> {
    warn_if_readable_by_others(path);
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the private key {}", path.display()))?;
    let key = PrivateKey::from_openssh(text.trim_start()).map_err(|_| {
        anyhow::anyhow!(
            "{}: not an OpenSSH private key (expected `-----BEGIN OPENSSH PRIVATE KEY-----`, as \
             `ssh-keygen -t ed25519` writes it)",
            path.display()
        )
    })?;
    let key = if key.is_encrypted() {
        let Some(passphrase) = passphrase else {
            bail!(
                "{}: the key is encrypted; give its passphrase in the environment variable \
                 SCS_KEY_PASSPHRASE or in a file named by --passphrase-file",
                path.display()
            );
        };
        key.decrypt(passphrase.as_bytes()).map_err(|_| {
            anyhow::anyhow!(
                "{}: cannot decrypt the key: wrong passphrase?",
                path.display()
            )
        })?
    } else {
        key
    };
    if key.algorithm() != Algorithm::Ed25519 {
        bail!(
            "{}: a {} key; reports are signed with ed25519 keys (`ssh-keygen -t ed25519`)",
            path.display(),
            key.algorithm()
        );
    }
    Ok(key)
}

/// ssh-keygen refuses private keys that others may read; we sign, but say so.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!(
                    "warning: {} can be read by other users; `chmod 600 {}`",
                    path.display(),
                    path.display()
                );
            }
        }
    }
}

/// The armored signature of `data` (`-----BEGIN SSH SIGNATURE-----` … with its final newline).
pub fn sign(key: &PrivateKey, data: &[u8]) -> Result<String> {
    let signature = key
        .sign(NAMESPACE, HashAlg::Sha512, data)
        .context("cannot sign")?;
    let mut armored = signature
        .to_pem(LineEnding::LF)
        .context("cannot encode the signature")?;
    if !armored.ends_with('\n') {
        armored.push('\n');
    }
    Ok(armored)
}

/// The public key file for `path`: `path` itself, or `path.pub` when `path` is a private key
/// with its public key beside it.
pub fn public_key_path(path: &Path) -> PathBuf {
    let beside = PathBuf::from(format!("{}.pub", path.display()));
    if path.extension().is_some_and(|e| e == "pub") || !beside.is_file() {
        path.to_path_buf()
    } else {
        beside
    }
}

/// Reads an OpenSSH public key (`ssh-ed25519 AAAA… comment`).
pub fn load_public_key(path: &Path) -> Result<PublicKey> {
    let path = public_key_path(path);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the public key {}", path.display()))?;
    PublicKey::from_openssh(text.trim()).map_err(|_| {
        anyhow::anyhow!(
            "{}: not an OpenSSH public key (expected one line `ssh-ed25519 AAAA… comment`, as in \
             the .pub file of the key)",
            path.display()
        )
    })
}

/// Why a signature does not verify.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    #[error("not an SSH signature (expected `-----BEGIN SSH SIGNATURE-----`)")]
    Malformed,
    #[error("signed by another key ({0}), not by the public key given")]
    OtherKey(String),
    #[error("signed for namespace `{0}`, not `report`")]
    Namespace(String),
    #[error("the signature does not match the report: it was changed after signing, or the signature belongs to another file")]
    Mismatch,
}

/// Checks an armored signature of `data` by `key` in namespace `report`.
pub fn verify(key: &PublicKey, data: &[u8], armored: &str) -> std::result::Result<(), Invalid> {
    let signature = SshSig::from_pem(armored.trim_start()).map_err(|_| Invalid::Malformed)?;
    if signature.public_key() != key.key_data() {
        let signer = PublicKey::from(signature.public_key().clone());
        return Err(Invalid::OtherKey(
            signer.fingerprint(HashAlg::Sha256).to_string(),
        ));
    }
    if signature.namespace() != NAMESPACE {
        return Err(Invalid::Namespace(signature.namespace().to_owned()));
    }
    key.verify(NAMESPACE, data, &signature)
        .map_err(|_| Invalid::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKey {
        let pair = ssh_key::private::Ed25519Keypair::from_seed(&[7; 32]);
        PrivateKey::from(pair)
    }

    #[test]
    fn a_signature_verifies_and_ends_with_a_newline() {
        let key = key();
        let armored = sign(&key, b"report\n").unwrap();
        assert!(armored.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
        assert!(armored.ends_with("-----END SSH SIGNATURE-----\n"));
        verify(key.public_key(), b"report\n", &armored).unwrap();
    }

    #[test]
    fn changed_data_other_keys_and_garbage_are_rejected() {
        let key = key();
        let armored = sign(&key, b"report\n").unwrap();
        assert!(matches!(
            verify(key.public_key(), b"report!\n", &armored),
            Err(Invalid::Mismatch)
        ));
        let other = PrivateKey::from(ssh_key::private::Ed25519Keypair::from_seed(&[8; 32]));
        assert!(matches!(
            verify(other.public_key(), b"report\n", &armored),
            Err(Invalid::OtherKey(_))
        ));
        assert!(matches!(
            verify(key.public_key(), b"report\n", "nonsense"),
            Err(Invalid::Malformed)
        ));
    }
}
