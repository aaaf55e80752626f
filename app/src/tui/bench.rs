//! Frame render timings for `epic-crm bench`: full frames of a 200×60
//! table screen and dashboard drawn into an off-screen buffer (what the
//! terminal then receives is only the difference).

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::action::Action;
use super::app::App;
use super::effect::Effect;
use super::keymap::Keymap;
use super::lists::{DisplayRow, ListPage};
use super::model::{SessionInfo, Startup};
use super::theme::Theme;
use crate::domain::Department;
use crate::services::bench::{Figure, summarize};
use crate::services::dashboard::Dashboard;
use crate::services::dashboard::{Pipeline, SalesTotal};
use crate::services::rows::{ClientRecord, ClientRow};

// Every field the sample has today is named; a field added later is
// left at its default rather than breaking the bench.
#[allow(clippy::needless_update)]
fn client(id: i64) -> DisplayRow {
    DisplayRow::client(ClientRow {
        record: ClientRecord {
            id,
            first_name: format!("Client{id}"),
            last_name: "Fournier-Watanabe".into(),
            email: format!("client{id}@watanabe-events.example.com"),
            phone: Some("+33612345678".into()),
            company_name: Some("Watanabe Events & Co".into()),
            sales_contact_id: Some(2),
            created_at: 1_790_000_000_000,
            updated_at: 1_790_000_000_000,
            last_contact_at: Some(1_790_000_000_000),
            version: 1,
            ..ClientRecord::default()
        },
        sales_contact_name: Some("Sam Seller".into()),
    })
}

fn time_frames(app: &App, iterations: usize) -> Vec<Duration> {
    let mut terminal = match Terminal::new(TestBackend::new(app.shared.width, app.shared.height)) {
        Ok(terminal) => terminal,
        Err(_) => return Vec::new(),
    };
    (0..iterations)
        .map(|_| {
            let started = Instant::now();
            let _ = terminal.draw(|frame| app.render(frame));
            started.elapsed()
        })
        .collect()
}

/// Render times of the Clients table and of Home at 200×60.
pub fn frame_figures(iterations: usize) -> Vec<Figure> {
    let mut app = App::new(Keymap::default(), Theme { color: true }, 200, 60);
    app.start();
    let me = SessionInfo {
        employee_id: 1,
        name: "Ada Lovelace".into(),
        department: Department::Management,
        must_change_password: false,
    };
    let effects = app.update(Action::Started(Ok(Startup {
        database: "bench".into(),
        session: Some(me),
        empty: false,
        profile: None,
        profiles: Vec::new(),
    })));
    if let Some(Effect::LoadDashboard { request, .. }) = effects.first() {
        let dashboard = Dashboard {
            pipeline: Pipeline { contracts: 2_000_000, unsigned: 600_000, unpaid: 800_000, ..Pipeline::default() },
            weeks: vec![120, 98, 143, 87, 110, 132, 95, 101],
            weeks_from: 1_790_000_000_000,
            sales: (0..6)
                .map(|n| SalesTotal {
                    employee_id: n,
                    first_name: "Sam".into(),
                    last_name: format!("Seller{n}"),
                    signed_cents: 1_000_000 * (n + 1),
                    unsigned_cents: 500_000,
                })
                .collect(),
            ..Dashboard::default()
        };
        app.update(Action::DashboardLoaded { request: *request, result: Ok(dashboard) });
    }
    let (median, p95) = summarize(time_frames(&app, iterations));
    let home = Figure {
        name: "tui: render one full frame, Home dashboard, 200x60".into(),
        group: "frame",
        median_ms: median,
        p95_ms: p95,
    };
    let effects = app
        .update(Action::Key(ratatui::crossterm::event::KeyEvent::from(ratatui::crossterm::event::KeyCode::Char('2'))));
    if let Some(Effect::LoadPage { request, query }) =
        effects.iter().find(|effect| matches!(effect, Effect::LoadPage { .. }))
    {
        let rows = (1..=query.page.limit as i64).map(client).collect();
        app.update(Action::PageLoaded {
            request: *request,
            result: Ok(ListPage { rows, next: Some("x".into()), prev: None }),
        });
    }
    let (median, p95) = summarize(time_frames(&app, iterations));
    let table = Figure {
        name: "tui: render one full frame, Clients table, 200x60".into(),
        group: "frame",
        median_ms: median,
        p95_ms: p95,
    };
    vec![table, home]
}
