//! Prints what the seed generator makes: `cargo run -p rapport-core --example seed_stats [conversations]`.
use chrono::{TimeZone, Utc};
use rapport_core::{invariants, query, seed};

fn main() {
    let n = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000);
    let anchor = Utc
        .with_ymd_and_hms(2026, 11, 24, 12, 0, 0)
        .single()
        .unwrap_or_default();
    let t = std::time::Instant::now();
    let store = seed::generate(&seed::SeedConfig {
        conversations: n,
        ..seed::SeedConfig::demo(anchor)
    });
    let took = t.elapsed();
    let items: usize = store.timelines().map(|(_, t)| t.len()).sum();
    let counts = query::counts(&store, Some(&"ag1".into()));
    println!(
        "generated in {took:?}: {} customers, {} conversations, {} items, {} tasks",
        store.customers().count(),
        store.conversations().count(),
        items,
        store.tasks().count()
    );
    println!("counts: {counts:?}");
    println!("violations: {:?}", invariants::violations(&store));
}
