//! Where a Terraform resource is declared: a plan's resource address mapped
//! to the `resource` (or `data`) block of the `.tf` files that declares it,
//! the positions of its attributes and nested blocks, and the `module` blocks
//! that lead to it.
//!
//! The module tree comes from the plan's `configuration`: each module call's
//! `source` is either a local directory (relative to the calling module's
//! directory) or an installed module found in
//! `<root>/.terraform/modules/modules.json`. Every module directory reached is
//! read once, however many calls lead to it.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span;
use serde_json::Value;

use crate::ir::Location;
use crate::position::LineIndex;
use crate::IacError;

/// The largest `.tf` file read.
const MAX_FILE_BYTES: u64 = 16 << 20;
/// The most `.tf` bytes read in all.
const MAX_TOTAL_BYTES: u64 = 256 << 20;
/// The most `.tf` files read from one module directory.
const MAX_FILES_PER_DIR: usize = 4096;
/// The largest `modules.json` read; a larger one is ignored.
const MAX_MODULES_JSON_BYTES: u64 = 64 << 20;
/// Module calls nested deeper than this are not followed.
const MAX_MODULE_DEPTH: usize = 64;
/// Module calls past this many are not followed.
const MAX_MODULES: usize = 10_000;

/// Where a resource is declared in the `.tf` files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLocation {
    /// The `resource "TYPE" "NAME" {` block's first token (the `resource`
    /// keyword; `data` for a data resource).
    pub location: Location,
    /// Each top-level attribute (`subnet_id = ...`) and nested block
    /// (`ingress { ... }`, by its block type name; for repeated blocks the
    /// first) of the resource block, by name, in source order. A
    /// `dynamic "ingress"` block stands for `ingress` where no literal
    /// `ingress` block or attribute exists.
    pub attributes: Vec<(String, Location)>,
    /// The module call sites leading to it, outermost first, each named by
    /// its module path without instance keys (`module.net`, then
    /// `module.net.module.subnets`) with the location of its `module` block.
    /// Empty for the root module.
    pub related: Vec<(String, Location)>,
}

/// The declarations of every module directory reached from the root module.
#[derive(Debug, Default)]
pub struct SourceIndex {
    dirs: Vec<DirIndex>,
    /// By module path (module names, instance keys dropped; empty for root).
    modules: HashMap<Vec<String>, ModuleEntry>,
}

/// One module's place in the tree.
#[derive(Debug)]
struct ModuleEntry {
    /// Index into [`SourceIndex::dirs`]; `None` when its directory is not
    /// known (a remote module that is not installed).
    dir: Option<usize>,
    related: Vec<(String, Location)>,
}

/// The blocks declared in one module directory.
#[derive(Debug, Default)]
struct DirIndex {
    /// By (mode, type, name): mode is `resource` or `data`.
    resources: HashMap<(String, String, String), Declared>,
    /// `module "NAME" {` blocks, by name.
    calls: HashMap<String, Location>,
}

#[derive(Debug, Clone)]
struct Declared {
    location: Location,
    attributes: Vec<(String, Location)>,
}

impl SourceIndex {
    /// Reads the `.tf` files of the root module and of every module the
    /// configuration calls.
    ///
    /// `root` is the root module's directory (`--source-root`) and
    /// `root_display` how to print it: `/`-separated, no leading `./`, empty
    /// for `.`. `configuration` is the plan's top-level `configuration`
    /// object (`root_module.module_calls.<name>.source`, nested calls under
    /// `module_calls.<name>.module`); anything missing or of the wrong shape
    /// in it only means fewer modules are followed.
    ///
    /// Local sources (`./x`, `../x`) are directories relative to the calling
    /// module's directory; other sources are looked up by module path
    /// (`net.subnets`) in `<root>/.terraform/modules/modules.json`, and a
    /// module found in neither is skipped: its resources are not located.
    /// Each directory's `*.tf` files are read (not `*.tf.json`, not hidden
    /// files, not subdirectories); override files (`override.tf`,
    /// `*_override.tf`) are read after the others, so the primary
    /// declaration wins.
    ///
    /// # Errors
    ///
    /// [`IacError::At`] for an HCL syntax error or invalid UTF-8,
    /// [`IacError::Io`] for a directory or file that cannot be read,
    /// [`IacError::Input`] for a file or directory past the size limits.
    pub fn load(
        root: &Path,
        root_display: &str,
        configuration: &Value,
    ) -> Result<SourceIndex, IacError> {
        let mut loader = Loader {
            root,
            root_display,
            installed: read_modules_json(root),
            dir_ids: HashMap::new(),
            index: SourceIndex::default(),
            total_bytes: 0,
        };
        loader.walk(configuration.get("root_module"))?;
        Ok(loader.index)
    }

    /// Where the resource at `address` (as in a plan's
    /// `resource_changes[].address`) is declared; `None` when its module or
    /// block is not known. Instance keys are dropped: every instance of a
    /// `count` or `for_each` resource or module maps to the same block.
    pub fn locate(&self, address: &str) -> Option<SourceLocation> {
        let (modules, mode, ty, name) = split_address(address)?;
        let module = self.modules.get(&modules)?;
        let dir = self.dirs.get(module.dir?)?;
        let declared = dir.resources.get(&(mode, ty, name))?;
        Some(SourceLocation {
            location: declared.location.clone(),
            attributes: declared.attributes.clone(),
            related: module.related.clone(),
        })
    }
}

/// Splits a resource address into its module names (instance keys dropped),
/// its mode (`resource` or `data`), its type and its name:
/// `module.net["eu"].aws_vpc_endpoint.ib[0]` →
/// (`["net"]`, `resource`, `aws_vpc_endpoint`, `ib`).
///
/// Instance keys are an integer (`[0]`) or a quoted string (`["a.b"]`,
/// with backslash escapes, brackets and dots allowed inside). `None` when the
/// address is not a resource address.
pub fn split_address(address: &str) -> Option<(Vec<String>, String, String, String)> {
    let mut cursor = Cursor {
        rest: address.chars().peekable(),
    };
    let mut modules = Vec::new();
    loop {
        let first = cursor.ident()?;
        if first == "module" {
            cursor.expect('.')?;
            modules.push(cursor.ident()?);
            cursor.key()?;
            cursor.expect('.')?;
            continue;
        }
        let (mode, ty) = if first == "data" {
            cursor.expect('.')?;
            ("data", cursor.ident()?)
        } else {
            ("resource", first)
        };
        cursor.expect('.')?;
        let name = cursor.ident()?;
        cursor.key()?;
        if cursor.rest.peek().is_some() {
            return None;
        }
        return Some((modules, mode.to_string(), ty, name));
    }
}

struct Cursor<'a> {
    rest: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Cursor<'_> {
    /// A Terraform identifier: letters, digits, `_` and `-`.
    fn ident(&mut self) -> Option<String> {
        let mut ident = String::new();
        while let Some(&c) = self.rest.peek() {
            if !(c.is_alphanumeric() || c == '_' || c == '-') {
                break;
            }
            ident.push(c);
            self.rest.next();
        }
        (!ident.is_empty()).then_some(ident)
    }

    fn expect(&mut self, want: char) -> Option<()> {
        (self.rest.next()? == want).then_some(())
    }

    /// An optional instance key: `[0]` or `["..."]`. `None` when malformed.
    fn key(&mut self) -> Option<()> {
        if self.rest.peek() != Some(&'[') {
            return Some(());
        }
        self.rest.next();
        match self.rest.next()? {
            '"' => loop {
                match self.rest.next()? {
                    '\\' => {
                        self.rest.next()?;
                    }
                    '"' => break,
                    _ => {}
                }
            },
            c if c.is_ascii_digit() => {
                while self.rest.peek().is_some_and(char::is_ascii_digit) {
                    self.rest.next();
                }
            }
            _ => return None,
        }
        self.expect(']')
    }
}

/// `modules.json`'s `Key` → `Dir` (normalised, relative to root or
/// absolute). Empty when it is missing, too large or malformed.
fn read_modules_json(root: &Path) -> HashMap<String, String> {
    let path = root.join(".terraform").join("modules").join("modules.json");
    let Ok(Some(bytes)) = read_capped(&path, MAX_MODULES_JSON_BYTES) else {
        return HashMap::new();
    };
    let Ok(json) = serde_json::from_slice::<Value>(&bytes) else {
        return HashMap::new();
    };
    let mut installed = HashMap::new();
    for module in json
        .get("Modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = module.get("Key").and_then(Value::as_str);
        let dir = module.get("Dir").and_then(Value::as_str);
        if let (Some(key), Some(dir)) = (key, dir) {
            installed
                .entry(key.to_string())
                .or_insert_with(|| normalize(&dir.replace('\\', "/")));
        }
    }
    installed
}

/// Reads at most `cap` bytes: `None` when the file is larger.
fn read_capped(path: &Path, cap: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    File::open(path)?.take(cap + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= cap).then_some(bytes))
}

/// Lexically normalises a `/`-separated path: no `.` or empty components,
/// `..` folded into the component before it where there is one. A leading
/// `/` is kept; the empty string stands for `.`.
fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// `base` (a normalised directory) joined with a relative `path`.
fn join(base: &str, path: &str) -> String {
    if base.is_empty() {
        normalize(path)
    } else {
        normalize(&format!("{base}/{path}"))
    }
}

/// A module source that names a local directory.
fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

/// `override.tf` and `*_override.tf` merge into the blocks of the others.
fn is_override(name: &str) -> bool {
    name == "override.tf" || name.ends_with("_override.tf")
}

struct Loader<'a> {
    root: &'a Path,
    root_display: &'a str,
    /// From `modules.json`.
    installed: HashMap<String, String>,
    /// Directory (normalised, relative to root or absolute) → index.
    dir_ids: HashMap<String, usize>,
    index: SourceIndex,
    total_bytes: u64,
}

/// A module still to visit.
struct Pending<'v> {
    path: Vec<String>,
    dir: Option<(usize, String)>,
    config: Option<&'v Value>,
    related: Vec<(String, Location)>,
}

impl Loader<'_> {
    /// Visits the module tree from the root, reading each directory reached.
    fn walk(&mut self, root_module: Option<&Value>) -> Result<(), IacError> {
        let root_dir = self.load_dir(String::new())?;
        let mut pending = vec![Pending {
            path: Vec::new(),
            dir: Some((root_dir, String::new())),
            config: root_module,
            related: Vec::new(),
        }];
        while let Some(module) = pending.pop() {
            let calls = module
                .config
                .and_then(|c| c.get("module_calls"))
                .and_then(Value::as_object);
            let mut children = Vec::new();
            if module.path.len() < MAX_MODULE_DEPTH {
                for (name, call) in calls.into_iter().flatten() {
                    if self.index.modules.len() + pending.len() + children.len() >= MAX_MODULES {
                        break;
                    }
                    children.push(self.child(&module, name, call)?);
                }
            }
            self.index.modules.insert(
                module.path,
                ModuleEntry {
                    dir: module.dir.map(|(id, _)| id),
                    related: module.related,
                },
            );
            // Depth first, in name order.
            pending.extend(children.into_iter().rev());
        }
        Ok(())
    }

    /// The module called `name` from `parent`, its directory read.
    fn child<'v>(
        &mut self,
        parent: &Pending<'_>,
        name: &str,
        call: &'v Value,
    ) -> Result<Pending<'v>, IacError> {
        let mut path = parent.path.clone();
        path.push(name.to_string());
        let source = call.get("source").and_then(Value::as_str);
        let rel = match (source, &parent.dir) {
            (Some(source), Some((_, base))) if is_local(source) => Some(join(base, source)),
            _ => self.installed.get(&path.join(".")).cloned(),
        };
        let dir = match rel {
            Some(rel) => Some((self.load_dir(rel.clone())?, rel)),
            None => None,
        };
        let mut related = parent.related.clone();
        let call_site = parent
            .dir
            .as_ref()
            .and_then(|(id, _)| self.index.dirs[*id].calls.get(name));
        if let Some(location) = call_site {
            let label = path
                .iter()
                .map(|n| format!("module.{n}"))
                .collect::<Vec<_>>()
                .join(".");
            related.push((label, location.clone()));
        }
        Ok(Pending {
            path,
            dir,
            config: call.get("module"),
            related,
        })
    }

    /// How `rel` (a directory, with an optional file in it) is printed.
    fn display(&self, rel: &str, file: Option<&str>) -> String {
        let mut path = String::new();
        if !rel.starts_with('/') {
            path.push_str(self.root_display);
        }
        for part in [rel, file.unwrap_or("")] {
            if !part.is_empty() {
                if !path.is_empty() && !path.ends_with('/') {
                    path.push('/');
                }
                path.push_str(part);
            }
        }
        let path = normalize(&path);
        if path.is_empty() {
            ".".to_string()
        } else {
            path
        }
    }

    fn fs_path(&self, rel: &str) -> PathBuf {
        if rel.starts_with('/') {
            PathBuf::from(rel)
        } else if rel.is_empty() {
            self.root.to_path_buf()
        } else {
            self.root.join(rel)
        }
    }

    /// Reads the `.tf` files of a directory once; its index.
    fn load_dir(&mut self, rel: String) -> Result<usize, IacError> {
        if let Some(&id) = self.dir_ids.get(&rel) {
            return Ok(id);
        }
        let fs_dir = self.fs_path(&rel);
        let io_error = |source| IacError::Io {
            file: PathBuf::from(self.display(&rel, None)),
            source,
        };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&fs_dir).map_err(io_error)? {
            let entry = entry.map_err(io_error)?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            // Terraform ignores hidden files (editors' and tools' own).
            if !name.ends_with(".tf") || name.starts_with('.') {
                continue;
            }
            // Follows symbolic links; devices, pipes and directories are not read.
            if !std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
                continue;
            }
            if names.len() == MAX_FILES_PER_DIR {
                return Err(IacError::Input {
                    file: self.display(&rel, None),
                    message: format!("more than {MAX_FILES_PER_DIR} .tf files: not read"),
                });
            }
            names.push(name);
        }
        names.sort_by(|a, b| (is_override(a), a).cmp(&(is_override(b), b)));
        let mut dir = DirIndex::default();
        for name in names {
            self.load_file(&rel, &fs_dir.join(&name), &name, &mut dir)?;
        }
        let id = self.index.dirs.len();
        self.index.dirs.push(dir);
        self.dir_ids.insert(rel, id);
        Ok(id)
    }

    fn load_file(
        &mut self,
        rel: &str,
        path: &Path,
        name: &str,
        dir: &mut DirIndex,
    ) -> Result<(), IacError> {
        let file = self.display(rel, Some(name));
        let bytes = read_capped(path, MAX_FILE_BYTES)
            .map_err(|source| IacError::Io {
                file: PathBuf::from(&file),
                source,
            })?
            .ok_or_else(|| IacError::Input {
                file: file.clone(),
                message: format!("larger than {} MiB: not read", MAX_FILE_BYTES >> 20),
            })?;
        self.total_bytes += bytes.len() as u64;
        if self.total_bytes > MAX_TOTAL_BYTES {
            return Err(IacError::Input {
                file,
                message: format!(
                    "the .tf files read add up to more than {} MiB: not read",
                    MAX_TOTAL_BYTES >> 20
                ),
            });
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let lines = LineIndex::new(bytes);
        let at = |offset: usize| {
            let (line, column) = lines.position(bytes, offset);
            Location {
                file: file.clone(),
                line,
                column,
            }
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let Location { line, column, .. } = at(e.valid_up_to());
            IacError::At {
                file: file.clone(),
                line,
                column,
                message: "invalid UTF-8".to_string(),
            }
        })?;
        let body = hcl_edit::parser::parse_body(text).map_err(|e| {
            let reported = e.location();
            let mut offset = reported.offset().min(text.len());
            // An error at the end of the input is reported on its last
            // character, one column past it.
            if offset + 1 == text.len() && reported.column() > at(offset).column as usize {
                offset = text.len();
            }
            let Location { line, column, .. } = at(offset);
            IacError::At {
                file: file.clone(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        index_body(&body, &at, dir);
        Ok(())
    }
}

fn start(span: Option<std::ops::Range<usize>>) -> usize {
    span.map_or(0, |s| s.start)
}

/// Records a file's `resource`, `data` and `module` blocks (the first
/// declaration of each wins).
fn index_body(body: &Body, at: &dyn Fn(usize) -> Location, dir: &mut DirIndex) {
    for block in body.blocks() {
        let location = || at(start(block.ident.span().or_else(|| block.span())));
        match (block.ident.as_str(), block.labels.as_slice()) {
            (mode @ ("resource" | "data"), [ty, name]) => {
                let key = (
                    mode.to_string(),
                    ty.as_str().to_string(),
                    name.as_str().to_string(),
                );
                dir.resources.entry(key).or_insert_with(|| Declared {
                    location: location(),
                    attributes: attributes(&block.body, at),
                });
            }
            ("module", [name]) => {
                dir.calls
                    .entry(name.as_str().to_string())
                    .or_insert_with(location);
            }
            _ => {}
        }
    }
}

/// A block's attributes and nested blocks, by name, in source order.
fn attributes(body: &Body, at: &dyn Fn(usize) -> Location) -> Vec<(String, Location)> {
    let mut found: Vec<(String, usize)> = Vec::new();
    let mut dynamic: Vec<(String, usize)> = Vec::new();
    for structure in body.iter() {
        let (name, offset) = match structure {
            Structure::Attribute(attribute) => (
                attribute.key.as_str(),
                start(attribute.key.span().or_else(|| attribute.span())),
            ),
            Structure::Block(block) => {
                let offset = start(block.ident.span().or_else(|| block.span()));
                if block.ident.as_str() == "dynamic" {
                    if let [label] = block.labels.as_slice() {
                        dynamic.push((label.as_str().to_string(), offset));
                    }
                    continue;
                }
                (block.ident.as_str(), offset)
            }
        };
        if !found.iter().any(|(n, _)| n == name) {
            found.push((name.to_string(), offset));
        }
    }
    for (name, offset) in dynamic {
        if !found.iter().any(|(n, _)| *n == name) {
            found.push((name, offset));
        }
    }
    found.sort_by_key(|(_, offset)| *offset);
    found
        .into_iter()
        .map(|(name, offset)| (name, at(offset)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hcl")
    }

    fn configuration() -> Value {
        let plan = std::fs::read_to_string(fixtures().join("plan.json")).unwrap();
        let plan: Value = serde_json::from_str(&plan).unwrap();
        plan["configuration"].clone()
    }

    fn project(root_display: &str) -> SourceIndex {
        SourceIndex::load(&fixtures().join("project"), root_display, &configuration()).unwrap()
    }

    fn loc(file: &str, line: u32, column: u32) -> Location {
        Location {
            file: file.to_string(),
            line,
            column,
        }
    }

    fn attrs(file: &str, list: &[(&str, u32, u32)]) -> Vec<(String, Location)> {
        list.iter()
            .map(|(name, line, column)| (name.to_string(), loc(file, *line, *column)))
            .collect()
    }

    fn split(address: &str) -> Option<(Vec<&'static str>, &'static str, String, String)> {
        // Leaked to compare with literals; tests only.
        split_address(address).map(|(modules, mode, ty, name)| {
            let modules = modules
                .into_iter()
                .map(|m| &*Box::leak(m.into_boxed_str()))
                .collect();
            (modules, &*Box::leak(mode.into_boxed_str()), ty, name)
        })
    }

    fn parts(
        modules: &[&'static str],
        mode: &'static str,
        ty: &str,
        name: &str,
    ) -> Option<(Vec<&'static str>, &'static str, String, String)> {
        Some((modules.to_vec(), mode, ty.to_string(), name.to_string()))
    }

    #[test]
    fn split_address_plain_data_and_modules() {
        assert_eq!(
            split("aws_vpc.main"),
            parts(&[], "resource", "aws_vpc", "main")
        );
        assert_eq!(
            split("data.aws_region.current"),
            parts(&[], "data", "aws_region", "current")
        );
        assert_eq!(
            split("module.a.module.b.aws_route.r"),
            parts(&["a", "b"], "resource", "aws_route", "r")
        );
        assert_eq!(
            split("module.net[\"eu\"].aws_vpc_endpoint.ib[0]"),
            parts(&["net"], "resource", "aws_vpc_endpoint", "ib")
        );
        assert_eq!(
            split("module.a[12].module.b-c[\"x\"].data.aws_region.current"),
            parts(&["a", "b-c"], "data", "aws_region", "current")
        );
        // A resource may be named `data` or `module`: only a first step is a keyword.
        assert_eq!(
            split("aws_vpc.data"),
            parts(&[], "resource", "aws_vpc", "data")
        );
        assert_eq!(
            split("module.m.aws_vpc.module"),
            parts(&["m"], "resource", "aws_vpc", "module")
        );
    }

    #[test]
    fn split_address_keys_with_dots_quotes_and_brackets() {
        assert_eq!(
            split("aws_subnet.private[10]"),
            parts(&[], "resource", "aws_subnet", "private")
        );
        assert_eq!(
            split(r#"aws_subnet.private["a.b"]"#),
            parts(&[], "resource", "aws_subnet", "private")
        );
        assert_eq!(
            split(r#"aws_subnet.keyed["c[\"d\"]"]"#),
            parts(&[], "resource", "aws_subnet", "keyed")
        );
        assert_eq!(
            split(r#"module.m["x].module.y["].aws_vpc.main["]"]"#),
            parts(&["m"], "resource", "aws_vpc", "main")
        );
        // An escaped backslash does not escape the closing quote.
        assert_eq!(
            split(r#"module.m["\\"].aws_vpc.main["a\\\"b"]"#),
            parts(&["m"], "resource", "aws_vpc", "main")
        );
        assert_eq!(
            split(r#"aws_vpc.main["é ✓ $${x}"]"#),
            parts(&[], "resource", "aws_vpc", "main")
        );
    }

    #[test]
    fn split_address_rejects_what_is_not_a_resource_address() {
        for address in [
            "",
            "aws_vpc",
            "aws_vpc.",
            ".aws_vpc.main",
            "aws_vpc.main.extra",
            "aws_vpc.main ",
            "aws_vpc..main",
            "aws_vpc.main[",
            "aws_vpc.main[]",
            "aws_vpc.main[a]",
            "aws_vpc.main[-1]",
            "aws_vpc.main[0",
            "aws_vpc.main[0][1]",
            r#"aws_vpc.main["a]"#,
            r#"aws_vpc.main["a"]x"#,
            r#"aws_vpc.main["a\"]"#,
            r#"aws_vpc.main["a\"#,
            "module.net",
            "module.net.aws_vpc",
            "module..aws_vpc.main",
            "module.net[0]aws_vpc.main",
            "data.aws_region",
            "data.aws_region.current[0].x",
            "output.x.y.z",
        ] {
            assert_eq!(split_address(address), None, "{address:?}");
        }
    }

    #[test]
    fn locates_root_resources_attributes_and_nested_blocks() {
        let index = project("infra");
        let vpc = index.locate("aws_vpc.main").unwrap();
        assert_eq!(vpc.location, loc("infra/main.tf", 11, 1));
        assert_eq!(
            vpc.attributes,
            attrs(
                "infra/main.tf",
                &[
                    ("cidr_block", 12, 3),
                    ("enable_dns_support", 13, 3),
                    ("enable_dns_hostnames", 14, 3),
                    ("tags", 16, 3),
                ]
            )
        );
        assert!(vpc.related.is_empty());

        let sg = index.locate("aws_security_group.endpoints").unwrap();
        assert_eq!(sg.location, loc("infra/network.tf", 10, 1));
        // Repeated `ingress` blocks: the first; `dynamic "egress"` as `egress`.
        assert_eq!(
            sg.attributes,
            attrs(
                "infra/network.tf",
                &[("vpc_id", 11, 3), ("ingress", 13, 3), ("egress", 26, 3)]
            )
        );

        let data = index.locate("data.aws_region.current").unwrap();
        assert_eq!(data.location, loc("infra/main.tf", 9, 1));
        assert!(data.attributes.is_empty());
        // The mode is part of the key.
        assert_eq!(index.locate("aws_region.current"), None);
        assert_eq!(index.locate("data.aws_vpc.main"), None);
    }

    #[test]
    fn every_instance_maps_to_the_same_block() {
        let index = project("infra");
        let first = index.locate("aws_subnet.private[0]").unwrap();
        assert_eq!(first.location, loc("infra/network.tf", 3, 1));
        assert_eq!(
            first.attributes,
            attrs(
                "infra/network.tf",
                &[
                    ("count", 4, 3),
                    ("vpc_id", 5, 3),
                    ("cidr_block", 6, 3),
                    ("availability_zone", 7, 3),
                ]
            )
        );
        assert_eq!(index.locate("aws_subnet.private[1]"), Some(first.clone()));
        assert_eq!(index.locate("aws_subnet.private"), Some(first));
        // Identifier labels, and keys holding dots, quotes and brackets.
        let keyed = index.locate(r#"aws_subnet.keyed["a.b"]"#).unwrap();
        assert_eq!(keyed.location, loc("infra/network.tf", 42, 1));
        assert_eq!(index.locate(r#"aws_subnet.keyed["c[\"d\"]"]"#), Some(keyed));
        assert_eq!(index.locate(r#"aws_subnet.keyed["a.b"#), None);
    }

    #[test]
    fn columns_count_characters_and_one_line_blocks() {
        let index = project("infra");
        // After `/* Private ✓ */ `: the check mark is 3 bytes, 1 column.
        let table = index.locate("aws_route_table.private").unwrap();
        assert_eq!(table.location, loc("infra/network.tf", 38, 17));
        // A tab is one column.
        assert_eq!(
            table.attributes,
            attrs("infra/network.tf", &[("vpc_id", 39, 2)])
        );
        let endpoint = index.locate("aws_vpc_endpoint.ib").unwrap();
        assert_eq!(endpoint.location, loc("infra/network.tf", 36, 1));
        assert_eq!(
            endpoint.attributes,
            attrs("infra/network.tf", &[("vpc_id", 36, 36)])
        );
    }

    #[test]
    fn reads_only_the_tf_files_of_the_module_directory() {
        let index = project("infra");
        // `extra.tf.json`, `.hidden.tf`, `nested/other.tf`.
        assert_eq!(index.locate("aws_vpc.json"), None);
        assert_eq!(index.locate("aws_vpc.hidden"), None);
        assert_eq!(index.locate("aws_vpc.nested"), None);
        // `main_override.tf` re-declares aws_vpc.main: the primary wins.
        assert_eq!(
            index.locate("aws_vpc.main").unwrap().location,
            loc("infra/main.tf", 11, 1)
        );
    }

    #[test]
    fn local_modules_map_to_their_own_files_with_call_sites() {
        let index = project("infra");
        let eu = index
            .locate(r#"module.net["eu"].aws_vpc_endpoint.ib[0]"#)
            .unwrap();
        assert_eq!(eu.location, loc("infra/modules/net/main.tf", 9, 1));
        assert_eq!(
            eu.attributes,
            attrs(
                "infra/modules/net/main.tf",
                &[
                    ("vpc_id", 10, 3),
                    ("service_name", 11, 3),
                    ("vpc_endpoint_type", 12, 3),
                    ("subnet_ids", 13, 3),
                ]
            )
        );
        assert_eq!(
            eu.related,
            vec![("module.net".to_string(), loc("infra/main.tf", 21, 1))]
        );
        assert_eq!(
            index.locate(r#"module.net["us"].aws_vpc_endpoint.ib"#),
            Some(eu.clone())
        );

        // The same directory called again: same block, its own call site.
        let legacy = index
            .locate("module.legacy[1].aws_vpc_endpoint.ib")
            .unwrap();
        assert_eq!(legacy.location, eu.location);
        assert_eq!(legacy.attributes, eu.attributes);
        assert_eq!(
            legacy.related,
            vec![("module.legacy".to_string(), loc("infra/main.tf", 28, 1))]
        );

        // A shared resource name maps to each module's own file.
        assert_eq!(
            index
                .locate("module.net[\"eu\"].aws_vpc.main")
                .unwrap()
                .location,
            loc("infra/modules/net/main.tf", 5, 1)
        );
        assert_eq!(
            index
                .locate("module.endpoints.aws_vpc.main")
                .unwrap()
                .location,
            loc("infra/.terraform/modules/endpoints/main.tf", 3, 1)
        );
        assert_eq!(
            index.locate("aws_vpc.main").unwrap().location,
            loc("infra/main.tf", 11, 1)
        );
    }

    #[test]
    fn nested_modules_resolve_relative_to_the_caller() {
        let index = project("infra");
        let route = index
            .locate(r#"module.net["eu"].module.subnets.aws_route.r"#)
            .unwrap();
        assert_eq!(route.location, loc("infra/modules/subnets/main.tf", 5, 1));
        assert_eq!(
            route.attributes,
            attrs(
                "infra/modules/subnets/main.tf",
                &[("route_table_id", 6, 3), ("destination_cidr_block", 7, 3)]
            )
        );
        assert_eq!(
            route.related,
            vec![
                ("module.net".to_string(), loc("infra/main.tf", 21, 1)),
                (
                    "module.net.module.subnets".to_string(),
                    loc("infra/modules/net/main.tf", 16, 1)
                ),
            ]
        );
        let legacy = index
            .locate("module.legacy[0].module.subnets.aws_route.r")
            .unwrap();
        assert_eq!(legacy.location, route.location);
        assert_eq!(
            legacy.related,
            vec![
                ("module.legacy".to_string(), loc("infra/main.tf", 28, 1)),
                (
                    "module.legacy.module.subnets".to_string(),
                    loc("infra/modules/net/main.tf", 16, 1)
                ),
            ]
        );
    }

    #[test]
    fn installed_modules_come_from_modules_json() {
        let index = project("infra");
        let endpoint = index
            .locate("module.endpoints.aws_vpc_endpoint.this")
            .unwrap();
        assert_eq!(
            endpoint.location,
            loc("infra/.terraform/modules/endpoints/main.tf", 7, 1)
        );
        assert_eq!(
            endpoint.related,
            vec![("module.endpoints".to_string(), loc("infra/main.tf", 34, 1))]
        );
        // A local call inside an installed module.
        let policy = index
            .locate("module.endpoints.module.policy.aws_vpc_endpoint_policy.this")
            .unwrap();
        let file = "infra/.terraform/modules/endpoints/policy/main.tf";
        assert_eq!(policy.location, loc(file, 1, 3));
        assert_eq!(policy.attributes, attrs(file, &[("vpc_endpoint_id", 2, 5)]));
        assert_eq!(
            policy.related,
            vec![
                ("module.endpoints".to_string(), loc("infra/main.tf", 34, 1)),
                (
                    "module.endpoints.module.policy".to_string(),
                    loc("infra/.terraform/modules/endpoints/main.tf", 12, 1)
                ),
            ]
        );
        // Not in modules.json: not located, not an error.
        assert_eq!(index.locate("module.not_installed.aws_vpc.main"), None);
        // Not in the configuration.
        assert_eq!(index.locate("module.unknown.aws_vpc.main"), None);
        assert_eq!(index.locate("module.net.module.unknown.aws_route.r"), None);
    }

    #[test]
    fn an_empty_root_display_prints_paths_relative_to_root() {
        let index = project("");
        assert_eq!(
            index.locate("aws_vpc.main").unwrap().location,
            loc("main.tf", 11, 1)
        );
        let route = index
            .locate("module.net[\"eu\"].module.subnets.aws_route.r")
            .unwrap();
        assert_eq!(route.location, loc("modules/subnets/main.tf", 5, 1));
        assert_eq!(route.related[1].1, loc("modules/net/main.tf", 16, 1));
        // `..` in the display path folds into the module path.
        let index = project("../infra");
        assert_eq!(
            index
                .locate("module.net[\"eu\"].module.subnets.aws_route.r")
                .unwrap()
                .location,
            loc("../infra/modules/subnets/main.tf", 5, 1)
        );
    }

    #[test]
    fn without_configuration_only_the_root_module_is_read() {
        let root = fixtures().join("project");
        let index = SourceIndex::load(&root, "infra", &Value::Null).unwrap();
        assert!(index.locate("aws_vpc.main").is_some());
        assert_eq!(index.locate("module.net.aws_vpc.main"), None);
        // Module calls of the wrong shape are skipped.
        let odd = serde_json::json!({"root_module": {"module_calls": {
            "other": {"source": 7},
            "stringy": "./modules/net",
            "endpoints": {"module": []}
        }}});
        let index = SourceIndex::load(&root, "infra", &odd).unwrap();
        assert_eq!(index.locate("module.other.aws_vpc.main"), None);
        assert_eq!(index.locate("module.stringy.aws_vpc.main"), None);
        // Installed modules are found by key even without a source.
        assert!(index.locate("module.endpoints.aws_vpc.main").is_some());
    }

    fn write(dir: &Path, file: &str, text: &[u8]) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn load_err(root: &Path, configuration: &Value) -> IacError {
        SourceIndex::load(root, "src", configuration).unwrap_err()
    }

    fn at(err: IacError) -> (String, u32, u32, String) {
        match err {
            IacError::At {
                file,
                line,
                column,
                message,
            } => (file, line, column, message),
            other => panic!("expected a position: {other}"),
        }
    }

    #[test]
    fn syntax_errors_have_file_line_and_column() {
        let root = fixtures().join("broken");
        let (file, line, column, message) =
            at(SourceIndex::load(&root, "broken", &Value::Null).unwrap_err());
        assert_eq!((file.as_str(), line, column), ("broken/main.tf", 3, 29));
        assert!(message.contains("expected newline"), "{message}");
    }

    #[test]
    fn syntax_errors_at_the_end_and_in_modules() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "main.tf",
            b"module \"m\" {\n  source = \"./m\"\n}\n",
        );
        write(
            dir.path(),
            "m/main.tf",
            b"resource \"a\" \"b\" {\n  x = 1\n",
        );
        let config = serde_json::json!({"root_module": {"module_calls": {"m": {"source": "./m"}}}});
        let (file, line, column, _) = at(load_err(dir.path(), &config));
        assert_eq!((file.as_str(), line, column), ("src/m/main.tf", 3, 1));

        write(dir.path(), "m/main.tf", b"resource \"a\" \"b\" {");
        let (file, line, column, _) = at(load_err(dir.path(), &config));
        assert_eq!((file.as_str(), line, column), ("src/m/main.tf", 1, 19));

        // Columns in characters on the error's line.
        write(dir.path(), "m/main.tf", "x = \"é\" é\n".as_bytes());
        let (_, line, column, _) = at(load_err(dir.path(), &config));
        assert_eq!((line, column), (1, 9));
    }

    #[test]
    fn invalid_utf8_and_byte_order_marks() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "main.tf", b"a = 1\nb = \"\xff\"\n");
        let (file, line, column, message) = at(load_err(dir.path(), &Value::Null));
        assert_eq!((file.as_str(), line, column), ("src/main.tf", 2, 6));
        assert_eq!(message, "invalid UTF-8");

        write(
            dir.path(),
            "main.tf",
            b"\xEF\xBB\xBFresource \"aws_vpc\" \"main\" { cidr_block = \"x\" }\n",
        );
        let index = SourceIndex::load(dir.path(), "", &Value::Null).unwrap();
        let vpc = index.locate("aws_vpc.main").unwrap();
        assert_eq!(vpc.location, loc("main.tf", 1, 1));
        assert_eq!(vpc.attributes, attrs("main.tf", &[("cidr_block", 1, 29)]));

        write(
            dir.path(),
            "main.tf",
            b"resource \"a\" \"b\" {\r\n  x = 1\r\n}\r\n",
        );
        let index = SourceIndex::load(dir.path(), "", &Value::Null).unwrap();
        let b = index.locate("a.b").unwrap();
        assert_eq!(b.attributes, attrs("main.tf", &[("x", 2, 3)]));
    }

    #[test]
    fn missing_directories_are_errors_with_their_path() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        match SourceIndex::load(&gone, "gone", &Value::Null).unwrap_err() {
            IacError::Io { file, source } => {
                assert_eq!(file, PathBuf::from("gone"));
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            }
            other => panic!("{other}"),
        }
        write(dir.path(), "main.tf", b"");
        let config =
            serde_json::json!({"root_module": {"module_calls": {"m": {"source": "../x/./m/"}}}});
        match load_err(dir.path(), &config) {
            IacError::Io { file, .. } => assert_eq!(file, PathBuf::from("x/m")),
            other => panic!("{other}"),
        }
        // A modules.json entry whose directory is gone.
        write(
            dir.path(),
            ".terraform/modules/modules.json",
            br#"{"Modules":[{"Key":"r","Source":"x/r/aws","Dir":".terraform/modules/r"}]}"#,
        );
        let config =
            serde_json::json!({"root_module": {"module_calls": {"r": {"source": "x/r/aws"}}}});
        let err = load_err(dir.path(), &config);
        assert_eq!(
            err.to_string().split(':').next(),
            Some("src/.terraform/modules/r")
        );
    }

    #[test]
    fn malformed_modules_json_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "main.tf",
            b"module \"r\" {\n  source = \"x/r/aws\"\n}\n",
        );
        let config =
            serde_json::json!({"root_module": {"module_calls": {"r": {"source": "x/r/aws"}}}});
        for json in [
            &b"{not json"[..],
            br#"{"Modules":{}}"#,
            br#"{"Modules":[{"Key":1}]}"#,
        ] {
            write(dir.path(), ".terraform/modules/modules.json", json);
            let index = SourceIndex::load(dir.path(), "", &config).unwrap();
            assert_eq!(index.locate("module.r.aws_vpc.main"), None);
        }
    }

    #[test]
    fn hostile_inputs_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let deep = format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        write(dir.path(), "main.tf", deep.as_bytes());
        let (_, line, _, message) = at(load_err(dir.path(), &Value::Null));
        assert_eq!(line, 1);
        assert!(message.contains("nesting depth"), "{message}");

        let deep = format!("{}{}", "b {\n".repeat(10_000), "}\n".repeat(10_000));
        write(dir.path(), "main.tf", deep.as_bytes());
        assert!(matches!(
            load_err(dir.path(), &Value::Null),
            IacError::At { .. }
        ));

        let operators = format!("a = 1{}\n", " + 1".repeat(100_000));
        write(dir.path(), "main.tf", operators.as_bytes());
        assert!(matches!(
            load_err(dir.path(), &Value::Null),
            IacError::At { .. }
        ));

        let file = File::create(dir.path().join("main.tf")).unwrap();
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        match load_err(dir.path(), &Value::Null) {
            IacError::Input { file, message } => {
                assert_eq!(file, "src/main.tf");
                assert!(message.contains("16 MiB"), "{message}");
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn too_many_files_in_a_directory_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..=MAX_FILES_PER_DIR {
            write(dir.path(), &format!("f{i}.tf"), b"");
        }
        match load_err(dir.path(), &Value::Null) {
            IacError::Input { file, message } => {
                assert_eq!(file, "src");
                assert!(message.contains("more than 4096 .tf files"), "{message}");
            }
            other => panic!("{other}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "real.hcl",
            b"resource \"aws_vpc\" \"main\" {}\n",
        );
        std::os::unix::fs::symlink("real.hcl", dir.path().join("main.tf")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.tf")).unwrap();
        std::fs::create_dir(dir.path().join("dir.tf")).unwrap();
        let index = SourceIndex::load(dir.path(), "", &Value::Null).unwrap();
        // Read through a link; the device and the directory are skipped.
        assert_eq!(
            index.locate("aws_vpc.main").unwrap().location,
            loc("main.tf", 1, 1)
        );
    }

    #[test]
    fn module_trees_are_followed_to_a_depth() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "main.tf",
            b"module \"m\" {\n  source = \"./\"\n}\nresource \"aws_vpc\" \"main\" {}\n",
        );
        // Each module calls the same directory again, 200 deep.
        let mut config = serde_json::json!({});
        for _ in 0..200 {
            config = serde_json::json!({"module_calls": {"m": {"source": "./", "module": config}}});
        }
        let config = serde_json::json!({ "root_module": config });
        let index = SourceIndex::load(dir.path(), "", &config).unwrap();
        let address = |depth: usize| format!("{}aws_vpc.main", "module.m.".repeat(depth));
        let located = index.locate(&address(MAX_MODULE_DEPTH)).unwrap();
        assert_eq!(located.location, loc("main.tf", 4, 1));
        assert_eq!(located.related.len(), MAX_MODULE_DEPTH);
        assert_eq!(located.related[1].0, "module.m.module.m");
        assert_eq!(index.locate(&address(MAX_MODULE_DEPTH + 1)), None);
    }
}
