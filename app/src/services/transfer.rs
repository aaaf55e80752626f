//! Export and import bundles: the whole database as `manifest.json` plus
//! one JSON Lines file per table (gzip by default), checked line by line
//! and checksum by checksum before anything is written
//! (docs/decisions/0008-export-bundles.md).

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::DatabaseTarget;
use crate::error::{Failure, FailureKind};
use crate::store::schema;
pub use crate::store::transfer::Table;
use crate::store::transfer::{Load, Row, Snapshot};
use crate::store::{Store, StoreError};

/// The `format` every manifest names.
pub const FORMAT: &str = "epic-crm-export";
/// The bundle format version this program writes and reads.
pub const FORMAT_VERSION: u64 = 1;
/// The manifest's file name inside a bundle.
pub const MANIFEST: &str = "manifest.json";
/// Rows read from the database, or written to it, per round trip.
const BATCH_ROWS: u64 = 10_000;

/// What a bundle says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] for bundles this program writes.
    pub format_version: u64,
    /// The newest migration of the database it was exported from.
    pub schema_version: String,
    /// `sqlite` or `postgres`.
    pub source_backend: String,
    /// When the snapshot was taken (RFC 3339 UTC).
    pub created_at: String,
    /// The `epic-crm` version that wrote it.
    pub application_version: String,
    /// `gzip` or `none`.
    pub compression: String,
    /// Each table's file, row count and SHA-256 of its uncompressed lines.
    pub tables: BTreeMap<String, TableEntry>,
}

/// One table of a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableEntry {
    /// The file's name inside the bundle folder.
    pub file: String,
    /// How many lines (rows) it holds.
    pub rows: u64,
    /// Lower-case hex SHA-256 of the uncompressed content.
    pub sha256: String,
}

impl Manifest {
    /// Rows in every table together.
    pub fn total_rows(&self) -> u64 {
        self.tables.values().map(|entry| entry.rows).sum()
    }
}

/// Progress of a long export or import, shown by the caller (a bar on a
/// terminal, nothing on a pipe).
pub trait Progress: Send + Sync {
    /// A new phase begins (`what`), with `total` rows to go.
    fn start(&self, what: &str, total: u64);
    /// `rows` more rows are done.
    fn advance(&self, rows: u64);
    /// The phase is over.
    fn finish(&self);
}

/// Shows nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _what: &str, _total: u64) {}
    fn advance(&self, _rows: u64) {}
    fn finish(&self) {}
}

/// How to write a bundle.
#[derive(Clone, Copy, Debug)]
pub struct ExportOptions {
    /// gzip each table's file (`.jsonl.gz`), or leave it plain (`.jsonl`).
    pub compress: bool,
}

/// A bundle written.
#[derive(Clone, Debug)]
pub struct ExportReport {
    /// Where it is.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Bytes on disk, every file together.
    pub bytes: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// How to read a bundle into a database.
#[derive(Clone, Copy, Debug)]
pub struct ImportOptions {
    /// Replace every record of a database that has some (`--replace --yes`).
    pub replace: bool,
}

/// A bundle read in.
#[derive(Clone, Debug)]
pub struct ImportReport {
    /// The bundle's manifest.
    pub manifest: Manifest,
    /// Whether records were replaced.
    pub replaced: bool,
    /// How long it took.
    pub elapsed: Duration,
}

/// Writes the whole database to `dir` (which must not exist, or be
/// empty): one consistent snapshot, streamed table by table.
pub async fn export(
    target: &DatabaseTarget,
    dir: &Path,
    options: ExportOptions,
    progress: &dyn Progress,
) -> Result<ExportReport, Failure> {
    let started = Instant::now();
    check_destination(dir)?;
    let store = super::database::open(target).await?;
    require_owner(&store, "exports").await?;
    let partial = partial_path(dir)?;
    let result = write_bundle(&store, &partial, options, progress).await;
    store.close().await.ok();
    let manifest = match result {
        Ok(manifest) => manifest,
        Err(failure) => {
            let _ = fs::remove_dir_all(&partial);
            return Err(failure);
        }
    };
    if let Err(err) = publish(&partial, dir) {
        let _ = fs::remove_dir_all(&partial);
        return Err(Failure::unexpected(format!("Cannot move the finished bundle to {}: {err}.", dir.display())));
    }
    let bytes = folder_size(dir);
    Ok(ExportReport { path: dir.to_path_buf(), manifest, bytes, elapsed: started.elapsed() })
}

/// Writes a bundle into `partial` (created here) and returns its manifest.
pub(crate) async fn write_bundle(
    store: &Store,
    partial: &Path,
    options: ExportOptions,
    progress: &dyn Progress,
) -> Result<Manifest, Failure> {
    fs::DirBuilder::new()
        .mode(0o700)
        .create(partial)
        .map_err(|err| Failure::invalid(format!("Cannot create the bundle folder {}: {err}.", partial.display())))?;
    let snapshot = Snapshot::begin(store).await?;
    let result = write_tables(&snapshot, partial, options, progress).await;
    snapshot.finish().await.ok();
    let (schema_version, tables) = result?;
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        schema_version,
        source_backend: store.backend().name().into(),
        created_at: crate::store::transfer::time::text(crate::domain::time::now_ms()).unwrap_or_default(),
        application_version: env!("CARGO_PKG_VERSION").into(),
        compression: if options.compress { "gzip" } else { "none" }.into(),
        tables,
    };
    let mut text = serde_json::to_vec_pretty(&manifest)
        .map_err(|err| Failure::unexpected(format!("Cannot write the manifest: {err}.")))?;
    text.push(b'\n');
    let path = partial.join(MANIFEST);
    let mut file = create_private(&path)?;
    file.write_all(&text).and_then(|()| file.sync_all()).map_err(|err| write_failure(&path, err))?;
    File::open(partial).and_then(|dir| dir.sync_all()).map_err(|err| write_failure(partial, err))?;
    Ok(manifest)
}

async fn write_tables(
    snapshot: &Snapshot,
    dir: &Path,
    options: ExportOptions,
    progress: &dyn Progress,
) -> Result<(String, BTreeMap<String, TableEntry>), Failure> {
    let schema_version = snapshot.schema_version().unwrap_or_default().to_owned();
    let latest = latest_migration();
    if schema_version != latest {
        return Err(Failure::invalid(format!(
            "The database is at schema version {} and this epic-crm writes {latest}: run `epic-crm db migrate` first.",
            if schema_version.is_empty() { "(none)" } else { &schema_version }
        )));
    }
    let mut tables = BTreeMap::new();
    for table in Table::ALL {
        let total = snapshot.count(table).await?;
        progress.start(&format!("exporting {}", table.name()), total.max(0) as u64);
        let file = format!("{}.jsonl{}", table.name(), if options.compress { ".gz" } else { "" });
        let path = dir.join(&file);
        let sink = create_private(&path)?;
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Row>>(2);
        let compress = options.compress;
        // Serialising, hashing and compressing run on their own thread
        // while the next page is read.
        let writer = tokio::task::spawn_blocking(move || write_lines(sink, compress, receiver));
        let mut after = 0i64;
        let read = async {
            loop {
                let rows = snapshot.page(table, after, BATCH_ROWS).await?;
                let Some(last) = rows.last() else { break };
                after = last.key();
                let count = rows.len() as u64;
                if sender.send(rows).is_err() {
                    break;
                }
                progress.advance(count);
            }
            Ok::<(), StoreError>(())
        }
        .await;
        drop(sender);
        let written = writer.await.map_err(|err| Failure::unexpected(format!("The export writer stopped: {err}.")))?;
        read?;
        let (rows, sha256) = written.map_err(|err| write_failure(&path, err))?;
        progress.finish();
        tables.insert(table.name().to_owned(), TableEntry { file, rows, sha256 });
    }
    Ok((schema_version, tables))
}

/// Writes each row as one canonical JSON line; returns the line count and
/// the SHA-256 of the uncompressed content.
fn write_lines(
    file: File,
    compress: bool,
    rows: std::sync::mpsc::Receiver<Vec<Row>>,
) -> Result<(u64, String), std::io::Error> {
    let buffered = BufWriter::with_capacity(1 << 20, file);
    let mut out = if compress {
        Sink::Gzip(Box::new(flate2::write::GzEncoder::new(buffered, flate2::Compression::fast())))
    } else {
        Sink::Plain(buffered)
    };
    let mut hasher = Sha256::new();
    let mut count = 0u64;
    let mut line = Vec::with_capacity(1024);
    for batch in rows {
        for row in batch {
            line.clear();
            serde_json::to_writer(&mut line, &row).map_err(std::io::Error::other)?;
            line.push(b'\n');
            hasher.update(&line);
            out.write_all(&line)?;
            count += 1;
        }
    }
    out.finish()?;
    Ok((count, hex(&hasher.finalize())))
}

/// A table file being written, compressed or not.
enum Sink {
    Plain(BufWriter<File>),
    Gzip(Box<flate2::write::GzEncoder<BufWriter<File>>>),
}

impl Sink {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Plain(out) => out.write_all(bytes),
            Sink::Gzip(out) => out.write_all(bytes),
        }
    }

    /// Writes what is buffered (and the gzip trailer) and syncs the file:
    /// dropping would swallow the error of a disk that filled up.
    fn finish(self) -> std::io::Result<()> {
        let buffered = match self {
            Sink::Plain(out) => out,
            Sink::Gzip(out) => out.finish()?,
        };
        let file = buffered.into_inner().map_err(|err| err.into_error())?;
        file.sync_all()
    }
}

/// Reads a bundle from `dir` into the database: every file checked first,
/// then everything written in one transaction.
pub async fn import(
    target: &DatabaseTarget,
    dir: &Path,
    options: ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, Failure> {
    let started = Instant::now();
    let manifest = read_manifest(dir)?;
    check_bundle(dir, &manifest, progress)?;
    let store = Store::open(target).await?;
    // Brings an empty database to the current schema; in team mode only
    // the schema's owner (the migrator) may, which is who imports.
    let prepared = prepare_target(&store, target, options).await;
    store.close().await.ok();
    let replaced = prepared?;
    load_bundle(target, dir, &manifest, replaced, progress).await?;
    let store = Store::open(target).await?;
    schema::analyze(&store).await.ok();
    store.close().await.ok();
    tracing::info!(
        rows = manifest.total_rows(),
        source = manifest.source_backend,
        created_at = manifest.created_at,
        replaced,
        "imported a bundle (its audit trail kept as written; no entries added)"
    );
    Ok(ImportReport { manifest, replaced, elapsed: started.elapsed() })
}

/// Migrates the target and refuses one with records unless replacing.
async fn prepare_target(store: &Store, target: &DatabaseTarget, options: ImportOptions) -> Result<bool, Failure> {
    // A schema that does not exist yet is made by the migration below
    // (a single-role setup); one that exists belongs to its owner.
    match schema::other_owner(store).await {
        Ok(None) | Err(StoreError::Invalid(_)) => {}
        Ok(Some(owner)) => return Err(not_the_owner(&owner, "imports into")),
        Err(other) => return Err(other.into()),
    }
    schema::migrate(store).await?;
    let holds = schema::holds_records(store).await?;
    if holds && !options.replace {
        return Err(Failure::invalid(format!(
            "The database {} already holds records: import into an empty database, or add --replace --yes to replace everything in it (nothing is deleted otherwise).",
            target.describe()
        )));
    }
    Ok(holds)
}

/// Reads and checks `manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, Failure> {
    let path = dir.join(MANIFEST);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(Failure::invalid(if dir.is_dir() {
                format!("{} is not an Epic Events CRM bundle: it has no {MANIFEST}.", dir.display())
            } else {
                format!("There is no bundle at {}: give the folder `epic-crm export` wrote.", dir.display())
            }));
        }
        Err(err) => return Err(Failure::invalid(format!("Cannot read {}: {err}.", path.display()))),
    };
    let value: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|err| Failure::invalid(format!("{} is not valid JSON ({err}).", path.display())))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(Failure::invalid(format!(
            "{} is not an Epic Events CRM bundle manifest: its \"format\" is not \"{FORMAT}\".",
            path.display()
        )));
    }
    let version = value.get("format_version").and_then(|v| v.as_u64());
    if version != Some(FORMAT_VERSION) {
        let written_by = value.get("application_version").and_then(|v| v.as_str()).unwrap_or("a newer version");
        return Err(Failure::invalid(format!(
            "{} is bundle format version {}, and this epic-crm ({}) reads only version {FORMAT_VERSION}: read it with epic-crm {written_by} (the version that wrote it) or newer.",
            dir.display(),
            version.map_or_else(|| "(missing)".to_owned(), |v| v.to_string()),
            env!("CARGO_PKG_VERSION"),
        )));
    }
    let manifest: Manifest = serde_json::from_value(value)
        .map_err(|err| Failure::invalid(format!("{} is not a valid manifest: {err}.", path.display())))?;
    let known: Vec<String> = schema::known_versions();
    if !known.contains(&manifest.schema_version) {
        return Err(Failure::invalid(format!(
            "{} comes from schema version {}, newer than this epic-crm ({}) knows (its newest is {}): import it with epic-crm {} or newer.",
            dir.display(),
            manifest.schema_version,
            env!("CARGO_PKG_VERSION"),
            latest_migration(),
            manifest.application_version
        )));
    }
    for name in manifest.tables.keys() {
        if Table::from_name(name).is_none() {
            return Err(Failure::invalid(format!(
                "{} lists a table \"{name}\" that bundle format {FORMAT_VERSION} does not have.",
                path.display()
            )));
        }
    }
    for table in Table::ALL {
        let Some(entry) = manifest.tables.get(table.name()) else {
            return Err(Failure::invalid(format!(
                "{} lists no \"{}\" table: the bundle is incomplete.",
                path.display(),
                table.name()
            )));
        };
        let plain = !entry.file.is_empty()
            && !entry.file.contains(['/', '\\'])
            && entry.file != "."
            && entry.file != ".."
            && (entry.file.ends_with(".jsonl") || entry.file.ends_with(".jsonl.gz"));
        if !plain {
            return Err(Failure::invalid(format!(
                "{} names \"{}\" as the {} file: a bundle's files are plain .jsonl or .jsonl.gz names inside its folder.",
                path.display(),
                entry.file,
                table.name()
            )));
        }
    }
    Ok(manifest)
}

/// Reads one table's file line by line, hashing and counting as it goes.
struct TableReader {
    file: String,
    lines: Box<dyn BufRead + Send>,
    hasher: Sha256,
    line: u64,
    buffer: Vec<u8>,
    table: Table,
}

impl TableReader {
    fn open(dir: &Path, table: Table, entry: &TableEntry) -> Result<TableReader, Failure> {
        let path = dir.join(&entry.file);
        let file = File::open(&path).map_err(|err| {
            Failure::invalid(if err.kind() == std::io::ErrorKind::NotFound {
                format!("The bundle {} lacks {}, which its manifest lists.", dir.display(), entry.file)
            } else {
                format!("Cannot read {}: {err}.", path.display())
            })
        })?;
        let raw = BufReader::with_capacity(1 << 20, file);
        let lines: Box<dyn BufRead + Send> = if entry.file.ends_with(".gz") {
            Box::new(BufReader::with_capacity(1 << 20, flate2::read::GzDecoder::new(raw)))
        } else {
            Box::new(raw)
        };
        Ok(TableReader { file: entry.file.clone(), lines, hasher: Sha256::new(), line: 0, buffer: Vec::new(), table })
    }

    /// The next row, or `None` at the end of the file.
    fn next(&mut self) -> Result<Option<Row>, Failure> {
        self.buffer.clear();
        let read = self.lines.read_until(b'\n', &mut self.buffer).map_err(|err| {
            Failure::invalid(format!(
                "{} is truncated or damaged after line {} ({err}): export the bundle again.",
                self.file, self.line
            ))
        })?;
        if read == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buffer.last() != Some(&b'\n') {
            return Err(self.bad("the file ends in the middle of this line (truncated)"));
        }
        self.hasher.update(&self.buffer);
        let text = &self.buffer[..self.buffer.len() - 1];
        let row = Row::parse(self.table, text).map_err(|err| {
            if serde_json::from_slice::<serde_json::Value>(text).is_err() {
                self.bad(&format!("not a JSON object ({err})"))
            } else {
                self.bad(&format!("not a valid {} row ({err})", self.table.name()))
            }
        })?;
        Ok(Some(row))
    }

    fn bad(&self, reason: &str) -> Failure {
        Failure::invalid(format!("{}, line {}: {reason}. Nothing was imported.", self.file, self.line))
    }

    /// Checks the count and checksum against the manifest.
    fn finish(self, entry: &TableEntry) -> Result<(), Failure> {
        if self.line != entry.rows {
            return Err(Failure::invalid(format!(
                "{} has {} rows and its manifest says {}: the file was changed or cut after export. Nothing was imported.",
                self.file, self.line, entry.rows
            )));
        }
        let sha256 = hex(&self.hasher.finalize());
        if !sha256.eq_ignore_ascii_case(&entry.sha256) {
            return Err(Failure::invalid(format!(
                "{} does not match its SHA-256 in the manifest: the file was changed or damaged after export. Nothing was imported.",
                self.file
            )));
        }
        Ok(())
    }
}

/// Checks every line of every table: JSON, the rules the database
/// enforces, references between tables, and each file's checksum.
fn check_bundle(dir: &Path, manifest: &Manifest, progress: &dyn Progress) -> Result<(), Failure> {
    let mut checker = Checker::default();
    for table in Table::ALL {
        let entry = &manifest.tables[table.name()];
        progress.start(&format!("checking {}", table.name()), entry.rows);
        let mut reader = TableReader::open(dir, table, entry)?;
        let mut last_key = 0i64;
        let mut done = 0u64;
        while let Some(row) = reader.next()? {
            let key = row.key();
            if key <= last_key {
                return Err(
                    reader.bad(&format!("id {key} is out of order (ids must increase: the last was {last_key})"))
                );
            }
            last_key = key;
            checker.check(&row).map_err(|reason| reader.bad(&reason))?;
            done += 1;
            if done.is_multiple_of(BATCH_ROWS) {
                progress.advance(BATCH_ROWS);
            }
        }
        progress.advance(done % BATCH_ROWS);
        reader.finish(entry)?;
        progress.finish();
    }
    Ok(())
}

/// Writes every table in one transaction (the files were checked; a
/// file changed since is caught by its checksum, and rolls back).
async fn load_bundle(
    target: &DatabaseTarget,
    dir: &Path,
    manifest: &Manifest,
    replace: bool,
    progress: &dyn Progress,
) -> Result<(), Failure> {
    let mut load = Load::begin(target, replace).await?;
    for table in Table::ALL {
        let entry = manifest.tables[table.name()].clone();
        progress.start(&format!("importing {}", table.name()), entry.rows);
        let mut reader = TableReader::open(dir, table, &entry)?;
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Row>>(2);
        // Reading and parsing run on their own thread while rows are written.
        let reading = tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(BATCH_ROWS as usize);
            while let Some(row) = reader.next()? {
                batch.push(row);
                if batch.len() as u64 == BATCH_ROWS {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS as usize));
                    if sender.blocking_send(full).is_err() {
                        return Ok(());
                    }
                }
            }
            if !batch.is_empty() && sender.blocking_send(batch).is_err() {
                return Ok(());
            }
            drop(sender);
            reader.finish(&entry)
        });
        let mut written: Result<(), Failure> = Ok(());
        while let Some(rows) = receiver.recv().await {
            if let Err(err) = load.insert(table, &rows).await {
                written = Err(err.into());
                break;
            }
            progress.advance(rows.len() as u64);
        }
        drop(receiver);
        let read = reading.await.map_err(|err| Failure::unexpected(format!("The bundle reader stopped: {err}.")))?;
        written?;
        read?;
        progress.finish();
    }
    progress.start("rebuilding indexes and totals", 0);
    load.commit().await?;
    progress.finish();
    Ok(())
}

/// What the rows seen so far establish, for the references of later rows.
#[derive(Default)]
struct Checker {
    /// Employee ids, increasing.
    employees: Vec<i64>,
    /// Client ids with their sales contact, increasing.
    clients: Vec<(i64, Option<i64>)>,
    /// Contract ids, increasing.
    contracts: Vec<i64>,
    /// Digests of lower-cased emails: unique per kind, ignoring case.
    employee_emails: HashSet<u128>,
    client_emails: HashSet<u128>,
}

impl Checker {
    fn employee(&self, id: Option<i64>, what: &str) -> Result<(), String> {
        match id {
            Some(id) if self.employees.binary_search(&id).is_err() => {
                Err(format!("{what} {id} is not an employee of the bundle"))
            }
            _ => Ok(()),
        }
    }

    fn check(&mut self, row: &Row) -> Result<(), String> {
        match row {
            Row::Employee(e) => {
                positive(e.id)?;
                length("first_name", &e.first_name, 1, 100)?;
                length("last_name", &e.last_name, 1, 100)?;
                length("email", &e.email, 3, 254)?;
                optional_length("phone", e.phone.as_deref(), 1, 40)?;
                e.department.parse::<crate::domain::Department>()?;
                if e.department != e.department.to_ascii_uppercase() {
                    return Err(format!("department \"{}\" must be upper case", e.department));
                }
                if e.active != e.deactivated_at.is_none() {
                    return Err("an employee is active exactly when deactivated_at is null".into());
                }
                version(e.version)?;
                if !self.employee_emails.insert(email_digest(&e.email)) {
                    return Err(format!("the email {} is used by an earlier employee (emails ignore case)", e.email));
                }
                self.employees.push(e.id);
            }
            Row::Credential(c) => {
                self.employee(Some(c.employee_id), "employee_id")?;
                c.verifier()?;
            }
            Row::Client(c) => {
                positive(c.id)?;
                length("first_name", &c.first_name, 1, 100)?;
                length("last_name", &c.last_name, 1, 100)?;
                length("email", &c.email, 3, 254)?;
                optional_length("phone", c.phone.as_deref(), 1, 40)?;
                optional_length("company_name", c.company_name.as_deref(), 1, 200)?;
                self.employee(c.sales_contact_id, "the sales contact")?;
                version(c.version)?;
                if !self.client_emails.insert(email_digest(&c.email)) {
                    return Err(format!("the email {} is used by an earlier client (emails ignore case)", c.email));
                }
                self.clients.push((c.id, c.sales_contact_id));
            }
            Row::Contract(c) => {
                positive(c.id)?;
                let client = match self.clients.binary_search_by_key(&c.client_id, |(id, _)| *id) {
                    Ok(at) => self.clients[at],
                    Err(_) => return Err(format!("client {} is not a client of the bundle", c.client_id)),
                };
                if client.1 != c.sales_contact_id {
                    return Err(format!(
                        "the sales contact must be the client's ({}), not {}",
                        client.1.map_or("none".to_owned(), |id| id.to_string()),
                        c.sales_contact_id.map_or("none".to_owned(), |id| id.to_string())
                    ));
                }
                if c.amount_due > c.total_amount {
                    return Err("amount_due is above total_amount".into());
                }
                if c.signed != c.signed_at.is_some() {
                    return Err("a contract is signed exactly when signed_at is set".into());
                }
                self.employee(c.signed_by_id, "signed_by_id")?;
                version(c.version)?;
                self.contracts.push(c.id);
            }
            Row::Event(e) => {
                positive(e.id)?;
                length("name", &e.name, 1, 200)?;
                if self.contracts.binary_search(&e.contract_id).is_err() {
                    return Err(format!("contract {} is not a contract of the bundle", e.contract_id));
                }
                self.employee(e.support_contact_id, "the support contact")?;
                if e.end_at < e.start_at {
                    return Err("the event ends (end_at) before it starts (start_at)".into());
                }
                optional_length("location", e.location.as_deref(), 1, 300)?;
                if !(0..=1_000_000).contains(&e.attendees) {
                    return Err(format!("attendees {} is not between 0 and 1000000", e.attendees));
                }
                optional_length("notes", e.notes.as_deref(), 0, 10_000)?;
                version(e.version)?;
            }
            Row::AuditEntry(a) => {
                positive(a.id)?;
                length("action", &a.action, 1, 64)?;
                length("record_kind", &a.record_kind, 1, 32)?;
            }
            Row::Notification(n) => {
                positive(n.id)?;
                self.employee(Some(n.recipient_id), "the recipient")?;
                length("kind", &n.kind, 1, 64)?;
                length("record_kind", &n.record_kind, 1, 32)?;
                length("message", &n.message, 1, 1000)?;
            }
        }
        Ok(())
    }
}

fn positive(id: i64) -> Result<(), String> {
    if id < 1 { Err(format!("id {id} is not a positive number")) } else { Ok(()) }
}

fn version(version: i64) -> Result<(), String> {
    if version < 1 { Err(format!("version {version} is below 1")) } else { Ok(()) }
}

/// The database's length rules, in characters.
fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), String> {
    let count = value.chars().count();
    if count < min || count > max {
        return Err(if min > 0 && count == 0 {
            format!("{field} is empty")
        } else {
            format!("{field} has {count} characters, outside {min}–{max}")
        });
    }
    Ok(())
}

fn optional_length(field: &str, value: Option<&str>, min: usize, max: usize) -> Result<(), String> {
    value.map_or(Ok(()), |value| length(field, value, min, max))
}

/// 128 bits of SHA-256 of the lower-cased email: enough to tell
/// duplicates apart without keeping a million addresses in memory.
fn email_digest(email: &str) -> u128 {
    let digest = Sha256::digest(email.to_lowercase().as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(bytes)
}

/// Refuses anyone but the schema's owner on PostgreSQL (whoever can open
/// the file on SQLite).
pub(crate) async fn require_owner(store: &Store, what: &str) -> Result<(), Failure> {
    match schema::other_owner(store).await? {
        None => Ok(()),
        Some(owner) => Err(not_the_owner(&owner, what)),
    }
}

fn not_the_owner(owner: &str, what: &str) -> Failure {
    Failure::new(
        FailureKind::PermissionDenied,
        format!(
            "Only the schema's owner ({owner}) {what} a team database: it holds everyone's records and password verifiers. Run this with the migrator's URL (printed by `epic-crm db init-roles`)."
        ),
    )
}

/// The newest migration this program knows.
fn latest_migration() -> String {
    schema::known_versions().last().cloned().unwrap_or_default()
}

/// Refuses a destination that exists and is not an empty folder.
pub(crate) fn check_destination(dir: &Path) -> Result<(), Failure> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Failure::invalid(format!(
                    "{} is not empty: export into a new folder or an empty one (a bundle is never written over other files).",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let parent = parent_of(dir);
            if !parent.is_dir() {
                return Err(Failure::invalid(format!(
                    "Cannot export to {}: the folder {} does not exist.",
                    dir.display(),
                    parent.display()
                )));
            }
            Ok(())
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotADirectory => Err(Failure::invalid(format!(
            "{} is a file, not a folder: export into a new folder or an empty one.",
            dir.display()
        ))),
        Err(err) => Err(Failure::invalid(format!("Cannot export to {}: {err}.", dir.display()))),
    }
}

fn parent_of(dir: &Path) -> PathBuf {
    match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The hidden folder a bundle is written into before it is renamed to
/// `dir`, beside it (the same file system, so the rename is atomic).
pub(crate) fn partial_path(dir: &Path) -> Result<PathBuf, Failure> {
    let name = dir
        .file_name()
        .ok_or_else(|| Failure::invalid(format!("{} does not name a folder to export into.", dir.display())))?;
    let mut partial = std::ffi::OsString::from(".");
    partial.push(name);
    partial.push(format!(".partial-{}", std::process::id()));
    Ok(parent_of(dir).join(partial))
}

/// Moves the finished bundle into place (over an empty folder, if any).
pub(crate) fn publish(partial: &Path, dir: &Path) -> std::io::Result<()> {
    fs::rename(partial, dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    File::open(parent_of(dir))?.sync_all()
}

/// Creates a file readable by its owner only (it holds personal data).
fn create_private(path: &Path) -> Result<File, Failure> {
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|err| write_failure(path, err))
}

fn write_failure(path: &Path, err: std::io::Error) -> Failure {
    Failure::unexpected(format!("Cannot write {}: {err}. Nothing was kept of the unfinished bundle.", path.display()))
}

/// Bytes of every file in a folder.
pub(crate) fn folder_size(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads all of a small file, for tests of the bundle's bytes.
pub fn read_table_text(dir: &Path, entry: &TableEntry) -> std::io::Result<Vec<u8>> {
    let mut text = Vec::new();
    let file = File::open(dir.join(&entry.file))?;
    if entry.file.ends_with(".gz") {
        flate2::read::GzDecoder::new(file).read_to_end(&mut text)?;
    } else {
        BufReader::new(file).read_to_end(&mut text)?;
    }
    Ok(text)
}
