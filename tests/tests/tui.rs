//! The terminal application end to end: the real binary in tmux on demo
//! data, driven by keys as a person would, through each department's story.

use std::process::Command;
use std::time::{Duration, Instant};

use epic_crm_tests::{Home, TeamDatabase, binary};

/// A tmux session running `epic-crm` on its own tmux server.
struct Screen {
    socket: String,
    _home: Home,
}

impl Screen {
    /// Starts the application for a new person (own home, own tokens) on
    /// `database`, in a `width`×`height` terminal; `None` without tmux.
    fn start(database: &str, width: u16, height: u16, name: &str) -> Option<Screen> {
        Screen::start_with(database, width, height, name, None)
    }

    /// [`Screen::start`] with this config file.
    fn start_with(database: &str, width: u16, height: u16, name: &str, config: Option<&str>) -> Option<Screen> {
        if Command::new("tmux").arg("-V").output().is_err() {
            // Straight to stderr: the test harness would swallow eprintln!.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED {name}: tmux is not installed");
            return None;
        }
        let home = Home::new();
        if let Some(config) = config {
            home.write_config(config);
        }
        let dir = home.dir.path();
        let socket = format!("epic-crm-test-{}-{name}", std::process::id());
        // A clean environment: nothing of the developer's shell leaks in,
        // and the keyring is unreachable (tokens go to this home's files).
        let command = format!(
            "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={d} XDG_CONFIG_HOME={d}/config XDG_DATA_HOME={d}/data \
             XDG_STATE_HOME={d}/state DBUS_SESSION_BUS_ADDRESS=unix:path={d}/no-bus {bin} --database {database}; sleep 5",
            d = dir.display(),
            bin = binary().display(),
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .arg(command)
            .status()
            .expect("run tmux");
        assert!(status.success(), "tmux could not start");
        Some(Screen { socket, _home: home })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let output = Command::new("tmux").args(["-L", &self.socket]).args(args).output().expect("run tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Presses keys (tmux names: Enter, Tab, Escape, C-s, Space…).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend(keys);
        self.tmux(&args);
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", text]);
    }

    fn text(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "0"])
    }

    /// Waits until the screen shows `needle`; fails with the screen.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(Instant::now() < deadline, "waited for {needle:?}; the screen shows:\n{text}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Presses `key` until the screen shows `needle`, as a person does
    /// when the application answers "Loading… try again in a moment" (an
    /// action waits for the data it acts on; PostgreSQL answers slower
    /// than SQLite).
    fn press_until(&self, key: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            self.keys(&[key]);
            let pressed = Instant::now();
            while pressed.elapsed() < Duration::from_secs(3) {
                let text = self.text();
                if text.contains(needle) {
                    return text;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            assert!(Instant::now() < deadline, "pressed {key} until {needle:?}; the screen shows:\n{}", self.text());
        }
    }

    /// Logs in with a demo login from the login screen.
    fn log_in(&self, email: &str) {
        self.wait_for("Log in");
        self.type_text(email);
        self.keys(&["Enter"]);
        self.type_text("EpicDemo-2026");
        self.keys(&["Enter"]);
        self.wait_for("Welcome,");
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// A demo company of 200 clients in a new SQLite file.
#[test]
fn a_key_bound_to_two_commands_stops_the_start_naming_both() {
    let (_home, database) = demo_database();
    // j moves down in every table: bound to sign as well, one could never run.
    let Some(screen) = Screen::start_with(&database, 100, 30, "keyclash", Some("[keys]\nsign = \"j\"\n")) else {
        return;
    };
    let text = screen.wait_for("is bound to both");
    assert!(text.contains("\"sign\"") && text.contains("\"down\""), "{text}");
}

fn demo_database() -> (Home, String) {
    let home = Home::new();
    let path = home.dir.path().join("crm.db");
    let database = format!("sqlite://{}", path.display());
    home.command(&["--database", &database, "demo", "seed", "--clients", "200"]).assert().success();
    (home, database)
}

#[test]
fn sales_creates_a_client_and_finds_it_with_live_search() {
    let (_home, database) = demo_database();
    let Some(screen) = Screen::start(&database, 80, 24, "sales") else { return };
    screen.log_in("sales@demo.test");
    screen.wait_for("My clients");
    screen.keys(&["2"]);
    screen.wait_for("Clients · by id");
    screen.keys(&["n"]);
    screen.wait_for("New client (yours)");
    screen.type_text("Kenji");
    screen.keys(&["Tab"]);
    screen.type_text("Quasimodo");
    screen.keys(&["Tab"]);
    screen.type_text("kenji.q@example.com");
    screen.keys(&["C-s"]);
    screen.wait_for("created: they are yours");
    screen.keys(&["/"]);
    screen.type_text("quasimodo");
    let found = screen.wait_for("Kenji Quasimodo");
    assert!(found.contains("/quasimodo"), "the title shows the search:\n{found}");
    // Drill down into the client's contracts and back.
    screen.keys(&["Enter", "Enter"]);
    screen.wait_for("Contracts of client");
    screen.keys(&["Escape"]);
    screen.wait_for("Clients ·");
    screen.keys(&["q"]);
}

#[test]
fn a_manager_assigns_support_from_the_events_table() {
    let (_home, database) = demo_database();
    manager_assigns_support(&database, "manager");
}

/// The same on PostgreSQL in team mode, connected as the app role: the
/// database checks every statement the terminal application makes.
#[test]
fn postgres_a_manager_assigns_support_as_the_app_role() {
    let Some(team) = TeamDatabase::new("tui_manager", 200) else { return };
    manager_assigns_support(&team.app_url, "pg-manager");
}

fn manager_assigns_support(database: &str, name: &str) {
    let Some(screen) = Screen::start(database, 120, 35, name) else { return };
    screen.log_in("manager@demo.test");
    screen.wait_for("Events without support");
    screen.keys(&["4"]);
    screen.wait_for("Events · upcoming");
    screen.keys(&["w"]);
    screen.wait_for("without support");
    screen.wait_for("— none —");
    screen.keys(&["Space", "Space"]);
    screen.press_until("a", "Support for 2 events");
    screen.wait_for("upcoming events");
    screen.keys(&["Enter"]);
    screen.wait_for("Assign 2 events to");
    screen.keys(&["y"]);
    screen.wait_for("2 events assigned to");
    screen.keys(&["?"]);
    screen.wait_for("assign support");
    screen.keys(&["Escape", "C-c"]);
}

#[test]
fn support_updates_the_notes_of_their_event() {
    let (_home, database) = demo_database();
    support_updates_notes(&database, "support");
}

#[test]
fn postgres_support_updates_their_event_as_the_app_role() {
    let Some(team) = TeamDatabase::new("tui_support", 200) else { return };
    support_updates_notes(&team.app_url, "pg-support");
}

fn support_updates_notes(database: &str, name: &str) {
    let Some(screen) = Screen::start(database, 160, 48, name) else { return };
    screen.log_in("support@demo.test");
    // SUPPORT land on their upcoming events.
    screen.wait_for("Events · mine, upcoming");
    screen.wait_for("Details");
    screen.press_until("e", "Edit event");
    screen.keys(&["Tab", "Tab", "Tab", "Tab", "Tab"]);
    screen.type_text(" Extra chairs.");
    screen.keys(&["C-s"]);
    screen.wait_for("saved.");
    screen.wait_for("Extra chairs.");
    // Assigning is not offered to SUPPORT, and says why when tried.
    screen.keys(&["a"]);
    screen.wait_for("may not");
    screen.keys(&["q"]);
}

#[test]
fn a_salesperson_exports_their_clients_and_copies_a_row() {
    let (home, database) = demo_database();
    let Some(screen) = Screen::start(&database, 80, 24, "export") else { return };
    // tmux keeps what an application copies with OSC 52 as a paste buffer.
    screen.tmux(&["set", "-g", "set-clipboard", "on"]);
    screen.log_in("sales@demo.test");
    screen.wait_for("My clients");
    screen.keys(&["2"]);
    screen.wait_for("Clients · by id");
    screen.keys(&["m"]);
    screen.wait_for("Clients · mine");
    // Ctrl-e offers a file name; any other is typed on the command line.
    screen.keys(&["C-e"]);
    screen.wait_for(":export epic-crm-clients-");
    screen.keys(&["Escape"]);
    let file = home.dir.path().join("my-clients.csv");
    screen.keys(&[":"]);
    screen.type_text(&format!("export {}", file.display()));
    screen.keys(&["Enter"]);
    screen.wait_for("Exported");
    let exported = std::fs::read_to_string(&file).expect("the exported file");
    // The same rows, in the same CSV, as the command line's.
    let sales = epic_crm_tests::Person::login(&database, "sales@demo.test");
    let output = sales.run(&["--format", "csv", "clients", "list", "--mine", "--all"]).output().expect("list");
    assert_eq!(exported, String::from_utf8_lossy(&output.stdout), "the view's CSV is the CLI's");
    assert!(exported.lines().count() > 20, "every page, not only the visible rows");
    // Exporting onto it again asks first.
    screen.keys(&[":"]);
    screen.type_text(&format!("export {}", file.display()));
    screen.keys(&["Enter"]);
    screen.wait_for("exists already. Replace it?");
    screen.keys(&["n"]);
    // y copies the selected row with a header.
    screen.keys(&["y"]);
    screen.wait_for("Copied 1 row to the clipboard");
    let copied = screen.tmux(&["show-buffer"]);
    let first = exported.lines().nth(1).expect("a row").split(',').next().expect("an id").to_owned();
    assert!(copied.starts_with("id\tfirst_name\tlast_name"), "{copied}");
    assert!(copied.lines().nth(1).is_some_and(|line| line.starts_with(&format!("{first}\t"))), "{copied}");
    screen.keys(&["q"]);
}
