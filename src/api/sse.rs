//! A parser for server-sent events read from a byte stream in arbitrary chunks (a chunk may end
//! in the middle of a line or of a UTF-8 character).

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

#[derive(Default)]
pub struct SseParser {
    buf: Vec<u8>,
}

impl SseParser {
    /// Feeds bytes; returns the events they completed.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = find_blank_line(&self.buf) {
            let (block, rest_start) = end;
            let text = String::from_utf8_lossy(&self.buf[..block]).into_owned();
            self.buf.drain(..rest_start);
            if let Some(event) = parse_block(&text) {
                events.push(event);
            }
        }
        events
    }
}

/// Where the first event block ends: (end of block, start of what follows).
fn find_blank_line(buf: &[u8]) -> Option<(usize, usize)> {
    for i in 0..buf.len() {
        if buf[i..].starts_with(b"\n\n") {
            return Some((i, i + 2));
        }
        if buf[i..].starts_with(b"\r\n\r\n") {
            return Some((i, i + 4));
        }
    }
    None
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let mut event = SseEvent {
        event: "message".into(),
        ..SseEvent::default()
    };
    let mut data: Vec<&str> = Vec::new();
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue; // comments keep the connection alive
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "id" => event.id = Some(value.to_owned()),
            "event" => event.event = value.to_owned(),
            "data" => data.push(value),
            _ => {}
        }
    }
    if data.is_empty() && event.id.is_none() {
        return None;
    }
    event.data = data.join("\n");
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_split_across_chunks() {
        let mut p = SseParser::default();
        assert!(p.push(b"id: 4").is_empty());
        assert!(p.push(b"2\nevent: change\ndata: {\"seq\":").is_empty());
        let events = p.push(b"42}\n\n: keep-alive\n\nid: 43\ndata: x\n\n");
        assert_eq!(
            events,
            vec![
                SseEvent {
                    id: Some("42".into()),
                    event: "change".into(),
                    data: "{\"seq\":42}".into()
                },
                SseEvent {
                    id: Some("43".into()),
                    event: "message".into(),
                    data: "x".into()
                },
            ]
        );
    }

    #[test]
    fn keeps_utf8_split_inside_a_character() {
        let mut p = SseParser::default();
        let bytes = "data: é\n\n".as_bytes();
        assert!(p.push(&bytes[..7]).is_empty());
        assert_eq!(p.push(&bytes[7..])[0].data, "é");
    }

    #[test]
    fn crlf_and_multiline_data() {
        let mut p = SseParser::default();
        let events = p.push(b"data: a\r\ndata: b\r\n\r\n");
        assert_eq!(events[0].data, "a\nb");
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;

    /// However the network cuts the stream into chunks, the same events come out.
    #[test]
    fn every_split_point_gives_the_same_events() {
        let stream = "id: 1\nevent: change\ndata: {\"seq\":1,\"note\":\"héllo\"}\n\n: keep-alive\n\nid: 2\r\ndata: a\r\ndata: b\r\n\r\nevent: reset\ndata: {\"seq\":9}\n\n";
        let whole = SseParser::default().push(stream.as_bytes());
        assert_eq!(whole.len(), 3);
        let bytes = stream.as_bytes();
        for a in 0..bytes.len() {
            for b in a..bytes.len() {
                let mut p = SseParser::default();
                let mut got = p.push(&bytes[..a]);
                got.extend(p.push(&bytes[a..b]));
                got.extend(p.push(&bytes[b..]));
                assert_eq!(got, whole, "split at {a} and {b}");
            }
        }
    }
}
