//! Times as agents read them: short relative ages in lists, local dates in the timeline.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc};

// Written out instead of chrono's `format("%b …")`: its format-string engine is a sizeable part
// of the bundle, for six fixed layouts.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_day(t: &impl Datelike) -> String {
    format!("{} {}", MONTHS[t.month0() as usize % 12], t.day())
}

fn clock(t: &impl Timelike) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// "now", "4 m", "3 h", "2 d", "5 w", then a date. Future times (due dates) read "in 3 h".
pub fn relative(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let delta = now - then;
    if delta < Duration::zero() {
        let ahead = relative(then, now);
        return if ahead == "now" { ahead } else { format!("in {ahead}") };
    }
    let m = delta.num_minutes();
    match m {
        0 => "now".into(),
        1..=59 => format!("{m} m"),
        60..=1439 => format!("{} h", m / 60),
        1440..=10079 => format!("{} d", m / 1440),
        _ if delta.num_days() < 365 => format!("{} w", delta.num_days() / 7),
        _ => format!("{} y", delta.num_days() / 365),
    }
}

/// A due date as agents act on it: "overdue 1 d" once passed, "due in 3 h" before, "due now".
pub fn due(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    if (now - at).num_minutes() >= 1 {
        format!("overdue {}", relative(now, at))
    } else if (at - now).num_minutes() >= 1 {
        format!("due {}", relative(now, at))
    } else {
        "due now".into()
    }
}

/// A duration as "1 h 5 m", for waiting times.
pub fn duration(d: Duration) -> String {
    let m = d.num_minutes().max(0);
    match m {
        0..=59 => format!("{m} m"),
        60..=1439 => format!("{} h {} m", m / 60, m % 60),
        _ => format!("{} d {} h", m / 1440, (m % 1440) / 60),
    }
}

/// How a zone maps an instant to its offset from UTC. Each timestamp is converted with its own
/// offset, so a time from the other side of a daylight-saving change reads as the clock on the
/// wall showed it then (not shifted by today's offset).
#[derive(Clone, Copy)]
pub struct Zone(fn(DateTime<Utc>) -> FixedOffset);

impl Zone {
    /// The browser's time zone, with its rules for every date.
    pub fn local() -> Zone {
        Zone(browser_offset)
    }

    #[cfg(test)]
    pub fn utc() -> Zone {
        Zone(|_| Utc.fix())
    }

    pub fn at(self, t: DateTime<Utc>) -> FixedOffset {
        (self.0)(t)
    }

    fn local_time(self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.at(t))
    }
}

#[cfg(target_arch = "wasm32")]
fn browser_offset(t: DateTime<Utc>) -> FixedOffset {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    let minutes_west = date.get_timezone_offset() as i32;
    FixedOffset::west_opt(minutes_west * 60).unwrap_or(Utc.fix())
}

#[cfg(not(target_arch = "wasm32"))]
fn browser_offset(_: DateTime<Utc>) -> FixedOffset {
    Utc.fix()
}

/// "14:05" today, "Mar 3, 14:05" this year, "Mar 3, 2024" before.
pub fn stamp(now: DateTime<Utc>, t: DateTime<Utc>, zone: Zone) -> String {
    let (n, l) = (zone.local_time(now), zone.local_time(t));
    if n.date_naive() == l.date_naive() {
        clock(&l)
    } else if n.year() == l.year() {
        format!("{}, {}", month_day(&l), clock(&l))
    } else {
        format!("{}, {}", month_day(&l), l.year())
    }
}

/// "Mar 3, 2024" for chapter headings.
pub fn day(t: DateTime<Utc>, zone: Zone) -> String {
    let l = zone.local_time(t);
    format!("{}, {}", month_day(&l), l.year())
}

/// A date input's `2024-03-05` or a datetime input's `2024-03-05T14:30`, as a local time.
pub fn parse_input(value: &str) -> Option<NaiveDateTime> {
    let (date, time) = value.trim().split_once('T').unwrap_or((value.trim(), "00:00"));
    let mut d = date.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (h, min) = time.split_once(':')?;
    let min = min.split(':').next()?;
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, day)?.and_hms_opt(h.parse().ok()?, min.parse().ok()?, 0)
}

/// A local time from [`parse_input`] in `zone`, as UTC: with the offset in force at that time
/// (found in two steps, since the offset depends on the instant being sought). None for a wall
/// time that a change skips.
pub fn from_local(naive: NaiveDateTime, zone: Zone) -> Option<DateTime<Utc>> {
    let at = |offset: FixedOffset| {
        offset
            .from_local_datetime(&naive)
            .single()
            .map(|t| t.with_timezone(&Utc))
    };
    let first = at(zone.at(naive.and_utc()))?;
    let t = at(zone.at(first))?;
    (zone.local_time(t).naive_local() == naive).then_some(t)
}

/// `2024-03-05T14:30`, for a datetime input.
pub fn to_input(t: DateTime<Utc>, zone: Zone) -> String {
    let l = zone.local_time(t);
    format!("{:04}-{:02}-{:02}T{}", l.year(), l.month(), l.day(), clock(&l))
}

#[cfg(test)]
mod input_tests {
    use super::*;

    #[test]
    fn inputs_parse_and_print() {
        let t = parse_input("2024-03-05T14:30").and_then(|n| from_local(n, Zone::utc()));
        assert_eq!(t.map(|t| t.to_rfc3339()), Some("2024-03-05T14:30:00+00:00".to_owned()));
        assert_eq!(
            parse_input("2024-03-05").map(|n| n.to_string()),
            Some("2024-03-05 00:00:00".to_owned())
        );
        assert_eq!(
            parse_input("2024-03-05T14:30:59").map(|n| n.to_string()),
            Some("2024-03-05 14:30:00".to_owned())
        );
        for bad in ["", "2024-13-01", "2024-02-30", "x-1-1", "2024-03-05T25:00", "2024-03"] {
            assert_eq!(parse_input(bad), None, "{bad}");
        }
        let back = t.map(|t| to_input(t, Zone::utc()));
        assert_eq!(back.as_deref(), Some("2024-03-05T14:30"));
    }

    #[test]
    fn dates_read_like_before() {
        let t = DateTime::parse_from_rfc3339("2024-03-05T09:07:00Z").map(|t| t.with_timezone(&Utc));
        let t = t.unwrap_or_default();
        assert_eq!(day(t, Zone::utc()), "Mar 5, 2024");
        assert_eq!(stamp(t + Duration::hours(1), t, Zone::utc()), "09:07");
        assert_eq!(stamp(t + Duration::days(3), t, Zone::utc()), "Mar 5, 09:07");
        assert_eq!(stamp(t + Duration::days(400), t, Zone::utc()), "Mar 5, 2024");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, m, 0).unwrap()
    }

    #[test]
    fn relative_uses_short_units() {
        let now = at(12, 0);
        assert_eq!(relative(now, now), "now");
        assert_eq!(relative(now, at(11, 56)), "4 m");
        assert_eq!(relative(now, at(9, 0)), "3 h");
        assert_eq!(relative(now, now - Duration::days(2)), "2 d");
        assert_eq!(relative(now, now - Duration::days(35)), "5 w");
        assert_eq!(relative(now, now - Duration::days(800)), "2 y");
        assert_eq!(relative(now, now + Duration::hours(3)), "in 3 h");
    }

    #[test]
    fn a_past_due_date_reads_overdue_and_a_future_one_due_in() {
        let now = at(12, 0);
        assert_eq!(due(now, now - Duration::days(1)), "overdue 1 d");
        assert_eq!(due(now, now - Duration::days(365 * 6)), "overdue 6 y");
        assert_eq!(due(now, now + Duration::hours(23)), "due in 23 h");
        assert_eq!(due(now, now), "due now");
    }

    #[test]
    fn duration_reads_naturally() {
        assert_eq!(duration(Duration::minutes(5)), "5 m");
        assert_eq!(duration(Duration::minutes(65)), "1 h 5 m");
        assert_eq!(duration(Duration::minutes(60 * 50)), "2 d 2 h");
        assert_eq!(duration(Duration::minutes(-3)), "0 m");
    }

    #[test]
    fn stamp_drops_what_is_obvious() {
        let utc = Zone::utc();
        let now = at(12, 0);
        assert_eq!(stamp(now, at(9, 5), utc), "09:05");
        assert_eq!(
            stamp(now, Utc.with_ymd_and_hms(2026, 3, 3, 14, 5, 0).unwrap(), utc),
            "Mar 3, 14:05"
        );
        assert_eq!(
            stamp(now, Utc.with_ymd_and_hms(2024, 3, 3, 14, 5, 0).unwrap(), utc),
            "Mar 3, 2024"
        );
    }

    #[test]
    fn stamp_uses_the_local_day() {
        // 23:30 UTC on the 23rd is already the 24th in UTC+2, the same day as `now` there.
        let plus2 = Zone(|_| FixedOffset::east_opt(2 * 3600).unwrap());
        let late = Utc.with_ymd_and_hms(2026, 11, 23, 23, 30, 0).unwrap();
        assert_eq!(stamp(at(12, 0), late, plus2), "01:30");
    }

    /// Berlin in 2026: UTC+1, then UTC+2 from 01:00 UTC on March 29.
    fn berlin() -> Zone {
        Zone(|t| {
            let change = Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap();
            FixedOffset::east_opt(if t < change { 3600 } else { 7200 }).unwrap()
        })
    }

    #[test]
    fn each_time_is_read_with_the_offset_of_its_own_date_across_a_daylight_saving_change() {
        // Issue 17: today's offset applied to every timestamp put anything from before the change
        // an hour off. Seen in April (UTC+2), a March 28 message at 12:00 UTC was written at
        // 13:00 on the wall clock.
        let now = Utc.with_ymd_and_hms(2026, 4, 5, 10, 0, 0).unwrap();
        let before = Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 3, 30, 12, 0, 0).unwrap();
        assert_eq!(stamp(now, before, berlin()), "Mar 28, 13:00");
        assert_eq!(stamp(now, after, berlin()), "Mar 30, 14:00");
        // 23:30 UTC on the 28th is 00:30 on the 29th in Berlin, still before the change.
        let late = Utc.with_ymd_and_hms(2026, 3, 28, 23, 30, 0).unwrap();
        assert_eq!(day(late, berlin()), "Mar 29, 2026");
        // A due date typed for a day on either side lands on that wall-clock time.
        for (typed, utc) in [
            ("2026-03-28T09:00", "2026-03-28T08:00:00+00:00"),
            ("2026-03-30T09:00", "2026-03-30T07:00:00+00:00"),
        ] {
            let t = parse_input(typed).and_then(|n| from_local(n, berlin()));
            assert_eq!(t.map(|t| t.to_rfc3339()).as_deref(), Some(utc), "{typed}");
            assert_eq!(t.map(|t| to_input(t, berlin())).as_deref(), Some(typed));
        }
        // 02:30 on March 29 never happens there (the clocks jump from 02:00 to 03:00).
        assert_eq!(
            parse_input("2026-03-29T02:30").and_then(|n| from_local(n, berlin())),
            None
        );
    }
}
