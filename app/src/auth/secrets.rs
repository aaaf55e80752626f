//! Where this machine keeps session tokens and the signing key: the OS
//! keyring when it answers, otherwise private files under the state
//! directory.  One interface, two stores; callers never know which.

use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::AuthError;
use crate::config::TokenStoreChoice;

/// The keyring service every entry is filed under.
pub const KEYRING_SERVICE: &str = "epic-crm";
/// How long the keyring may take to answer before the file store is used.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long one keyring operation may take once the probe succeeded.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// A place for small secrets, addressed by key (`[a-z0-9-]` only).
#[async_trait::async_trait]
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// Where the secrets are, for messages ("the OS keyring", a folder).
    fn describe(&self) -> String;
    /// The secret stored under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<String>, AuthError>;
    /// Stores `value` under `key`, replacing what was there.
    async fn set(&self, key: &str, value: &str) -> Result<(), AuthError>;
    /// Forgets `key`; forgetting a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), AuthError>;
}

/// Opens the store the settings ask for.  `Auto` probes the keyring with a
/// set/get/delete under [`PROBE_TIMEOUT`] and falls back to the file store
/// in `state_dir` when it does not answer (a headless Linux box has no
/// Secret Service).
pub async fn open(choice: TokenStoreChoice, state_dir: &Path) -> Result<Arc<dyn SecretStore>, AuthError> {
    let file = || -> Arc<dyn SecretStore> { Arc::new(FileStore::new(state_dir.join("tokens"))) };
    match choice {
        TokenStoreChoice::File => Ok(file()),
        TokenStoreChoice::Keyring => match probe(&KeyringStore).await {
            Ok(()) => Ok(Arc::new(KeyringStore)),
            Err(reason) => Err(AuthError::Storage(format!(
                "The OS keyring cannot be used ({reason}): start a Secret Service (such as GNOME Keyring), or set auth.token_store = \"file\"."
            ))),
        },
        TokenStoreChoice::Auto => Ok(fallback(Arc::new(KeyringStore), file).await),
    }
}

/// `preferred` when it passes the probe, otherwise the store `fallback`
/// makes.  Split out so tests can hand in a failing keyring.
pub async fn fallback(
    preferred: Arc<dyn SecretStore>,
    fallback: impl FnOnce() -> Arc<dyn SecretStore>,
) -> Arc<dyn SecretStore> {
    match probe(preferred.as_ref()).await {
        Ok(()) => preferred,
        Err(reason) => {
            let store = fallback();
            tracing::info!(reason, store = store.describe(), "keyring unavailable; using the token file store");
            store
        }
    }
}

/// Writes, reads back and deletes a random probe entry.
async fn probe(store: &dyn SecretStore) -> Result<(), String> {
    let key = format!("probe-{}", super::tokens::random_id().map_err(|err| err.to_string())?);
    let round_trip = async {
        store.set(&key, "probe").await?;
        let read = store.get(&key).await?;
        store.delete(&key).await?;
        Ok::<_, AuthError>(read)
    };
    match tokio::time::timeout(PROBE_TIMEOUT, round_trip).await {
        Ok(Ok(Some(value))) if value == "probe" => Ok(()),
        Ok(Ok(_)) => Err("it did not give back what was stored".into()),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err(format!("no answer within {} ms", PROBE_TIMEOUT.as_millis())),
    }
}

/// How long a process waits for another to release a lock file.
pub const LOCK_WAIT: Duration = Duration::from_secs(15);

/// Takes an exclusive lock on `path` (created 0600, its folder 0700),
/// waiting up to [`LOCK_WAIT`] for another process to release it; the lock
/// holds until the returned file is dropped.  Serialises what two processes
/// of the same user must not do at once: refreshing one session, creating
/// the signing key.
pub async fn exclusive_lock(path: &Path) -> Result<File, AuthError> {
    let unusable =
        |err: std::io::Error| AuthError::Storage(format!("Cannot lock the file {} ({err}).", path.display()));
    if let Some(dir) = path.parent() {
        DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(unusable)?;
    }
    let file = OpenOptions::new().create(true).truncate(false).write(true).mode(0o600).open(path).map_err(unusable)?;
    let deadline = tokio::time::Instant::now() + LOCK_WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(AuthError::Storage(format!(
                    "Another epic-crm process has held the lock {} for {} s: close it and try again.",
                    path.display(),
                    LOCK_WAIT.as_secs()
                )));
            }
            Err(std::fs::TryLockError::Error(err)) => return Err(unusable(err)),
        }
    }
}

/// The OS keyring: Secret Service over D-Bus (pure-Rust zbus) on Linux,
/// Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Default)]
pub struct KeyringStore;

impl KeyringStore {
    /// Runs a blocking keyring call on its own thread, so a keyring that
    /// never answers can neither freeze the caller nor keep the process
    /// from exiting.
    async fn call<T: Send + 'static>(
        key: &str,
        work: impl FnOnce(keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Result<T, AuthError> {
        let key = key.to_owned();
        let (sender, receiver) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("keyring".into())
            .spawn(move || {
                let result = keyring::Entry::new(KEYRING_SERVICE, &key).and_then(work);
                let _ = sender.send(result);
            })
            .map_err(|err| AuthError::Storage(format!("The OS keyring cannot be reached ({err}).")))?;
        match tokio::time::timeout(OPERATION_TIMEOUT, receiver).await {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(err))) => Err(AuthError::Storage(format!("The OS keyring refused ({err})."))),
            Ok(Err(_)) | Err(_) => Err(AuthError::Storage("The OS keyring did not answer.".into())),
        }
    }
}

#[async_trait::async_trait]
impl SecretStore for KeyringStore {
    fn describe(&self) -> String {
        "the OS keyring".into()
    }

    async fn get(&self, key: &str) -> Result<Option<String>, AuthError> {
        Self::call(key, |entry| match entry.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(err),
        })
        .await
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), AuthError> {
        let value = value.to_owned();
        Self::call(key, move |entry| entry.set_password(&value)).await
    }

    async fn delete(&self, key: &str) -> Result<(), AuthError> {
        Self::call(key, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(err),
        })
        .await
    }
}

/// One file per secret in a folder only the owner can enter (0700); each
/// file is 0600, written to a temporary file and renamed into place so a
/// reader never sees half a token.  A file or folder others can read is
/// refused, not used.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// A store in `dir` (created on first write).
    pub fn new(dir: PathBuf) -> FileStore {
        FileStore { dir }
    }

    fn path(&self, key: &str) -> Result<PathBuf, AuthError> {
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(AuthError::Internal(format!("unusable secret key {key:?}")));
        }
        Ok(self.dir.join(key))
    }

    /// Refuses a token file or folder that is not the user's own or that
    /// others could read or write.
    fn check_private(path: &Path, metadata: &fs::Metadata, allowed: u32, what: &str) -> Result<(), AuthError> {
        use std::os::unix::fs::MetadataExt;
        let mode = metadata.permissions().mode() & 0o777;
        let fix = if what == "folder" { "700" } else { "600" };
        if metadata.uid() != rustix::process::getuid().as_raw() {
            return Err(AuthError::InsecureStorage(format!(
                "The token {what} {} belongs to another user, so it was not used: delete it and log in again.",
                path.display()
            )));
        }
        if mode & !allowed != 0 {
            return Err(AuthError::InsecureStorage(format!(
                "The token {what} {} can be read by other users (mode {mode:04o}), so it was not used: run `chmod {fix} {}` if only you could have written it, or delete it and log in again.",
                path.display(),
                path.display()
            )));
        }
        Ok(())
    }

    fn check_dir(&self) -> Result<(), AuthError> {
        let metadata = fs::symlink_metadata(&self.dir).map_err(|err| unreadable(&self.dir, &err))?;
        if !metadata.is_dir() {
            return Err(AuthError::InsecureStorage(format!(
                "The token folder {} is not a folder (a link?), so it was not used: delete it and log in again.",
                self.dir.display()
            )));
        }
        Self::check_private(&self.dir, &metadata, 0o700, "folder")
    }

    fn ensure_dir(&self) -> Result<(), AuthError> {
        match DirBuilder::new().recursive(true).mode(0o700).create(&self.dir) {
            Ok(()) => self.check_dir(),
            Err(err) => Err(AuthError::Storage(format!(
                "Cannot create the token folder {} ({err}): make its parent writable.",
                self.dir.display()
            ))),
        }
    }
}

fn unreadable(path: &Path, err: &std::io::Error) -> AuthError {
    AuthError::Storage(format!("Cannot read the token file {} ({err}).", path.display()))
}

#[async_trait::async_trait]
impl SecretStore for FileStore {
    fn describe(&self) -> String {
        format!("files in {}", self.dir.display())
    }

    async fn get(&self, key: &str) -> Result<Option<String>, AuthError> {
        let path = self.path(key)?;
        // Never through a symbolic link; the checks look at the file
        // actually opened, not at whatever the path names a moment later.
        let opened = OpenOptions::new().read(true).custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32).open(&path);
        let mut file = match opened {
            Ok(file) => file,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(unreadable(&path, &err)),
        };
        self.check_dir()?;
        let metadata = file.metadata().map_err(|err| unreadable(&path, &err))?;
        Self::check_private(&path, &metadata, 0o600, "file")?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|err| unreadable(&path, &err))?;
        Ok(Some(text))
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), AuthError> {
        let path = self.path(key)?;
        self.ensure_dir()?;
        let unwritable = |err: std::io::Error| {
            AuthError::Storage(format!("Cannot write the token file {} ({err}).", path.display()))
        };
        // A unique temporary name in the same folder, created 0600 and
        // exclusively, then renamed over the old file: atomic on POSIX.
        let temporary = self.dir.join(format!(".{key}.{}.tmp", super::tokens::random_id()?));
        let mut file =
            OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary).map_err(unwritable)?;
        let written = file
            .write_all(value.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| file.set_permissions(Permissions::from_mode(0o600)))
            .and_then(|()| fs::rename(&temporary, &path));
        if let Err(err) = written {
            let _ = fs::remove_file(&temporary);
            return Err(unwritable(err));
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), AuthError> {
        let path = self.path(key)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(()),
            Err(err) => Err(AuthError::Storage(format!("Cannot delete the token file {} ({err}).", path.display()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keyring that is there but refuses everything.
    #[derive(Debug)]
    struct BrokenKeyring;

    #[async_trait::async_trait]
    impl SecretStore for BrokenKeyring {
        fn describe(&self) -> String {
            "a broken keyring".into()
        }
        async fn get(&self, _: &str) -> Result<Option<String>, AuthError> {
            Err(AuthError::Storage("no Secret Service".into()))
        }
        async fn set(&self, _: &str, _: &str) -> Result<(), AuthError> {
            Err(AuthError::Storage("no Secret Service".into()))
        }
        async fn delete(&self, _: &str) -> Result<(), AuthError> {
            Err(AuthError::Storage("no Secret Service".into()))
        }
    }

    /// A keyring that never answers.
    #[derive(Debug)]
    struct HangingKeyring;

    #[async_trait::async_trait]
    impl SecretStore for HangingKeyring {
        fn describe(&self) -> String {
            "a hanging keyring".into()
        }
        async fn get(&self, _: &str) -> Result<Option<String>, AuthError> {
            std::future::pending().await
        }
        async fn set(&self, _: &str, _: &str) -> Result<(), AuthError> {
            std::future::pending().await
        }
        async fn delete(&self, _: &str) -> Result<(), AuthError> {
            std::future::pending().await
        }
    }

    #[tokio::test]
    async fn an_unusable_keyring_falls_back_to_the_file_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let tokens = dir.path().join("tokens");
        for keyring in [Arc::new(BrokenKeyring) as Arc<dyn SecretStore>, Arc::new(HangingKeyring)] {
            let store = fallback(keyring, || Arc::new(FileStore::new(tokens.clone()))).await;
            assert!(store.describe().contains("files in"), "{}", store.describe());
            store.set("session-abc", "token").await.expect("set");
            assert_eq!(store.get("session-abc").await.expect("get").as_deref(), Some("token"));
        }
    }

    #[tokio::test]
    async fn files_are_private_and_replaced_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = FileStore::new(dir.path().join("state/tokens"));
        assert_eq!(store.get("session-x").await.expect("get"), None);
        store.set("session-x", "first").await.expect("set");
        store.set("session-x", "second").await.expect("set");
        assert_eq!(store.get("session-x").await.expect("get").as_deref(), Some("second"));
        let folder = fs::metadata(dir.path().join("state/tokens")).expect("dir").permissions().mode() & 0o777;
        let file = fs::metadata(dir.path().join("state/tokens/session-x")).expect("file").permissions().mode() & 0o777;
        assert_eq!((folder, file), (0o700, 0o600));
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("state/tokens")).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left behind");
        store.delete("session-x").await.expect("delete");
        store.delete("session-x").await.expect("deleting twice is fine");
        assert_eq!(store.get("session-x").await.expect("get"), None);
        assert!(store.set("../escape", "x").await.is_err(), "keys cannot leave the folder");
    }

    #[tokio::test]
    async fn a_token_file_others_can_read_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = FileStore::new(dir.path().join("tokens"));
        store.set("session-x", "token").await.expect("set");
        let path = dir.path().join("tokens/session-x");
        fs::set_permissions(&path, Permissions::from_mode(0o644)).expect("chmod");
        let err = store.get("session-x").await.expect_err("must refuse");
        let message = err.to_string();
        assert!(message.contains("mode 0644") && message.contains("chmod 600"), "{message}");
        fs::set_permissions(&path, Permissions::from_mode(0o600)).expect("chmod");
        fs::set_permissions(dir.path().join("tokens"), Permissions::from_mode(0o755)).expect("chmod");
        let err = store.get("session-x").await.expect_err("must refuse an open folder");
        assert!(err.to_string().contains("chmod 700"), "{err}");
    }
}
