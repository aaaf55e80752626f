//! The TUI's modules depend one way: no module imports one that imports it
//! back (as `action` and `effect` once did), so each screen can be read,
//! changed and tested from its own file.  A module and its own submodules
//! are one tree (a popup uses its parent's `Popup`, the parent lists its
//! popups); between any other two modules, a reference goes one way only.
//! This test reads the sources and fails naming the cycle it finds; a
//! second one keeps the screens and the command line off the store (they
//! go through services, which re-export the rows and paging types).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module's path under `tui` (`["screens", "list"]`).
type Module = Vec<String>;

fn sources(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the tui sources") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, into);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            into.push(path);
        }
    }
}

fn module_of(root: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(root).expect("under tui");
    let mut parts: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    if last != "mod.rs" {
        parts.push(last.trim_end_matches(".rs").to_owned());
    }
    parts
}

/// The first path segments after each `prefix` in `text` (both names of
/// `prefix{a, b}`).
fn segments_after<'a>(text: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        rest = after;
        let path_end = after.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(after.len());
        let path: Vec<&str> = after[..path_end].split("::").filter(|part| !part.is_empty()).collect();
        if after[path_end..].starts_with('{') {
            let group = &after[path_end + 1..after[path_end..].find('}').map_or(after.len(), |end| path_end + end)];
            for name in group.split(',') {
                let mut full = path.clone();
                full.extend(name.trim().split("::").next().filter(|name| !name.is_empty()));
                found.push(full);
            }
        } else {
            found.push(path);
        }
    }
    found
}

/// The longest prefix of `path` (from `base`) that is a module.
fn resolve(modules: &BTreeSet<Module>, base: &[String], path: &[&str]) -> Option<Module> {
    let mut best = None;
    let mut module: Module = base.to_vec();
    if modules.contains(&module) {
        best = Some(module.clone());
    }
    for part in path {
        module.push((*part).to_owned());
        if modules.contains(&module) {
            best = Some(module.clone());
        }
    }
    best
}

fn related(a: &Module, b: &Module) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

#[test]
fn no_tui_module_imports_one_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let modules: BTreeSet<Module> = files.iter().map(|file| module_of(&root, file)).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&root, file);
        let text = std::fs::read_to_string(file).expect("a source file");
        // `super::` from a file is its parent module (from a `mod.rs`, the
        // directory's parent); its inline test modules only reach the
        // file itself or an ancestor, which count as one tree anyway.
        let mut from_super = module.clone();
        from_super.pop();
        let mut targets = Vec::new();
        for path in segments_after(&text, "crate::tui::") {
            targets.extend(resolve(&modules, &[], &path));
        }
        for path in segments_after(&text, "super::") {
            let mut base = from_super.clone();
            let mut path = path.as_slice();
            while path.first() == Some(&"super") {
                base.pop();
                path = &path[1..];
            }
            targets.extend(resolve(&modules, &base, path));
        }
        for target in targets {
            if !related(&module, &target) {
                edges.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    // A depth-first walk: reaching a module on the current path is a cycle.
    fn walk(
        at: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(start) = path.iter().position(|seen| seen == at) {
            let mut cycle = path[start..].to_vec();
            cycle.push(at.clone());
            return Some(cycle);
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.clone());
        for next in edges.get(at).into_iter().flatten() {
            if let Some(cycle) = walk(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(at.clone());
        None
    }
    let mut done = BTreeSet::new();
    for module in &modules {
        if let Some(cycle) = walk(module, &edges, &mut Vec::new(), &mut done) {
            let names: Vec<String> = cycle.iter().map(|module| format!("tui::{}", module.join("::"))).collect();
            panic!("TUI modules import each other: {}", names.join(" → "));
        }
    }
    // The test reads what it should: the application reaches its screens.
    assert!(
        edges
            .get(&vec!["app".to_owned()])
            .is_some_and(|to| to.contains(&vec!["screens".to_owned(), "main".to_owned()]))
    );
}

#[test]
fn the_screens_and_the_command_line_reach_the_store_only_through_services() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&source.join("tui"), &mut files);
    sources(&source.join("cli"), &mut files);
    // Spelled in two parts so this file does not find itself.
    let needle = ["crate", "::store"].concat();
    let mut reaching = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a source file");
        for (number, line) in text.lines().enumerate() {
            if line.contains(&needle) && !line.trim_start().starts_with("//") {
                reaching.push(format!("{}:{}", file.strip_prefix(&source).unwrap_or(file).display(), number + 1));
            }
        }
    }
    assert!(reaching.is_empty(), "use services (rows, paging, …) instead of the store: {reaching:?}");
}
