//! What a client may send and how long things may take: the bounds that keep one connection
//! from holding memory or a task for long, in one place.

use std::time::Duration;

/// Bad commands in a row before the client is taken for a flood and let go.
pub(crate) const MAX_BAD_IN_A_ROW: u32 = 20;
/// How long the closing `* BYE` may take to leave.
pub(crate) const BYE_TIMEOUT: Duration = Duration::from_secs(2);
/// Commands a connection may send in one [`FLOOD_WINDOW`]; more is a flood.
pub(crate) const MAX_COMMANDS_PER_WINDOW: u32 = 10_000;
pub(crate) const FLOOD_WINDOW: Duration = Duration::from_secs(1);
/// Before sign-in a command (its lines and literals together) may be this long: enough for
/// any LOGIN or AUTHENTICATE and for the largest ID RFC 2971 allows (30 pairs of 30 and 1,024
/// octets, quoted), too little for a client that never signs in to hold memory.
pub(crate) const PRE_AUTH_MAX_COMMAND: usize = 40 * 1024;

/// The most a whole command may hold, its lines and literals together, once signed in: one
/// largest literal and one longest line. imap-next keeps no more of a command than this, so a
/// MULTIAPPEND's messages share it rather than each having a literal's worth.
pub(crate) fn max_command(max_line: u32, max_literal: u32) -> u32 {
    max_literal.saturating_add(max_line)
}

/// Input over a limit, caught before it is buffered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LineTooLong {
    #[error("a command line is longer than {0} bytes")]
    Line(usize),
    #[error("a command before sign-in is longer than {0} bytes")]
    BeforeSignIn(usize),
}

/// Watches the bytes a client sends, before they are buffered, for a line longer than the
/// limit. It follows literal announcements (`{n}` and `{n+}`) so a literal's bytes are not
/// taken for a line; the literal's own limit is the protocol state's.
#[derive(Debug)]
pub(crate) struct LineGuard {
    max_line: usize,
    max_literal: u64,
    /// [`max_command`] of the two.
    max_command: u64,
    line: usize,
    /// Bytes of the command so far, lines and literals, while not signed in.
    command: usize,
    signed_in: bool,
    literal_left: u64,
    /// Literal bytes of the current command charged so far: never more than a command holds.
    charged: u64,
    /// Literal bytes announced, and whether a command ended, since the last
    /// [`Self::take_progress`]: what the in-flight budget is charged and given back.
    announced: u64,
    ended: bool,
    /// The announcement being read at the line's end: `{`, digits, `+`, `}`, `\r`.
    tail: Tail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    None,
    /// After `{`, with the digits so far.
    Digits(u64),
    /// After `{n+`.
    Plus(u64),
    /// After `{n}` or `{n+}`; `true` when non-synchronising.
    Closed(u64, bool),
    /// After `{n}\r` or `{n+}\r`.
    Cr(u64, bool),
}

impl LineGuard {
    pub(crate) fn new(max_line: usize, max_literal: u32) -> LineGuard {
        LineGuard {
            max_line,
            max_literal: u64::from(max_literal),
            max_command: u64::from(max_command(
                u32::try_from(max_line).unwrap_or(u32::MAX),
                max_literal,
            )),
            line: 0,
            command: 0,
            signed_in: false,
            literal_left: 0,
            charged: 0,
            announced: 0,
            ended: false,
            tail: Tail::None,
        }
    }

    pub(crate) fn max_line(&self) -> usize {
        self.max_line
    }

    pub(crate) fn max_literal(&self) -> u32 {
        u32::try_from(self.max_literal).unwrap_or(u32::MAX)
    }

    /// From now on the full limits apply: the client signed in.
    pub(crate) fn signed_in(&mut self) {
        self.signed_in = true;
    }

    /// Literal bytes announced since the last call, and whether a command ended meanwhile.
    pub(crate) fn take_progress(&mut self) -> (u64, bool) {
        let progress = (self.announced, self.ended);
        (self.announced, self.ended) = (0, false);
        progress
    }

    /// Checks the next bytes of the stream.
    pub(crate) fn check(&mut self, bytes: &[u8]) -> Result<(), LineTooLong> {
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.literal_left > 0 {
                let take = usize::try_from(self.literal_left)
                    .unwrap_or(usize::MAX)
                    .min(rest.len());
                self.literal_left -= take as u64;
                rest = rest.get(take..).unwrap_or_default();
                self.command = self.command.saturating_add(take);
                continue;
            }
            let Some((&byte, after)) = rest.split_first() else {
                break;
            };
            rest = after;
            self.command = self.command.saturating_add(1);
            if !self.signed_in && self.command > PRE_AUTH_MAX_COMMAND {
                return Err(LineTooLong::BeforeSignIn(PRE_AUTH_MAX_COMMAND));
            }
            if byte == b'\n' {
                self.end_line()?;
                continue;
            }
            self.line += 1;
            if self.line > self.max_line {
                return Err(LineTooLong::Line(self.max_line));
            }
            self.tail = next_tail(self.tail, byte);
        }
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), LineTooLong> {
        let announced = match self.tail {
            Tail::Closed(n, plus) | Tail::Cr(n, plus) => Some((n, plus)),
            _ => None,
        };
        // Before sign-in a literal that would not fit is refused at its announcement, before
        // the protocol state asks for it or takes it.
        let room = PRE_AUTH_MAX_COMMAND.saturating_sub(self.command) as u64;
        if !self.signed_in
            && let Some((n, _)) = announced
            && n > room
        {
            return Err(LineTooLong::BeforeSignIn(PRE_AUTH_MAX_COMMAND));
        }
        if announced.is_none() {
            // The command ends with this line.
            self.command = 0;
            self.charged = 0;
            self.ended = true;
        }
        // A synchronising literal over the limit is refused, so the client does not send it;
        // a non-synchronising one comes anyway and is skipped by the protocol state.
        if let Some((n, plus)) = announced
            && (plus || n <= self.max_literal)
        {
            self.literal_left = n;
            // What the protocol state will hold of it: an over-long one is dropped as it comes,
            // and so is what passes the command's own limit (a MULTIAPPEND's later messages).
            let room = self.max_command.saturating_sub(self.charged);
            let held = n.min(self.max_literal).min(room);
            self.charged += held;
            self.announced = self.announced.saturating_add(held);
        }
        self.line = 0;
        self.tail = Tail::None;
        Ok(())
    }
}

fn next_tail(tail: Tail, byte: u8) -> Tail {
    match (tail, byte) {
        (_, b'{') => Tail::Digits(0),
        (Tail::Digits(n), b'0'..=b'9') => n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(byte - b'0')))
            .map_or(Tail::None, Tail::Digits),
        (Tail::Digits(n), b'+') => Tail::Plus(n),
        (Tail::Digits(n), b'}') => Tail::Closed(n, false),
        (Tail::Plus(n), b'}') => Tail::Closed(n, true),
        (Tail::Closed(n, plus), b'\r') => Tail::Cr(n, plus),
        _ => Tail::None,
    }
}

/// Literal bytes every connection of a service may hold at once, in KiB permits: a connection
/// whose literal does not fit stops reading (the client waits) until others' commands end.
/// One command is charged at most [`max_command`], so it never waits on its own literals.
#[derive(Debug, Clone)]
pub(crate) struct InFlightBudget {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    total: u32,
}

impl InFlightBudget {
    /// At least one largest command always fits, so no command waits forever.
    pub(crate) fn new(bytes: u64, max_command: u32) -> InFlightBudget {
        let kib = kib(bytes).max(kib(u64::from(max_command)) + 1);
        let total = u32::try_from(kib).unwrap_or(u32::MAX);
        InFlightBudget {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(total as usize)),
            total,
        }
    }

    /// Waits until `more` bytes fit beside the `held` ones the same command was charged
    /// already: permits follow the command's total, so many small literals cost what one of
    /// their size does. Cancel-safe (nothing is taken until it returns).
    pub(crate) async fn reserve(
        &self,
        held: u64,
        more: u64,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        // More than the whole budget would never fit: it waits for all of it instead.
        let permits = u32::try_from(kib(held.saturating_add(more)) - kib(held))
            .unwrap_or(u32::MAX)
            .min(self.total);
        self.permits.clone().acquire_many_owned(permits).await.ok()
    }
}

fn kib(bytes: u64) -> u64 {
    bytes.div_ceil(1024)
}

/// Counts commands per window to tell a flood from a busy client.
#[derive(Debug)]
pub(crate) struct FloodMeter {
    window_start: tokio::time::Instant,
    count: u32,
}

impl FloodMeter {
    pub(crate) fn new() -> FloodMeter {
        FloodMeter {
            window_start: tokio::time::Instant::now(),
            count: 0,
        }
    }

    /// Counts one command; `true` when the window's allowance is used up.
    pub(crate) fn flooding(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        if now.duration_since(self.window_start) >= FLOOD_WINDOW {
            self.window_start = now;
            self.count = 0;
        }
        self.count += 1;
        self.count > MAX_COMMANDS_PER_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_caught_in_any_chunking() {
        let mut guard = LineGuard::new(10, 100);
        assert!(guard.check(b"a NOOP\r\n").is_ok());
        assert!(guard.check(b"a LOGIN").is_ok());
        assert!(guard.check(b" xyzw").is_err());
    }

    #[test]
    fn literals_do_not_count_as_lines() {
        let mut guard = LineGuard::new(24, 100);
        assert!(guard.check(b"a APPEND INBOX {30}\r\n").is_ok());
        assert!(guard.check(&[b'x'; 30]).is_ok());
        assert!(guard.check(b"\r\nb NOOP\r\n").is_ok());
        // Non-synchronising, in pieces.
        assert!(guard.check(b"c APPEND INBOX {2").is_ok());
        assert!(guard.check(b"5+}\r").is_ok());
        assert!(guard.check(b"\n").is_ok());
        assert!(guard.check(&[b'y'; 25]).is_ok());
        assert!(guard.check(b"\r\n").is_ok());
    }

    #[test]
    fn a_refused_literal_is_not_skipped() {
        let mut guard = LineGuard::new(20, 10);
        assert!(guard.check(b"a APPEND INBOX {99}\r\n").is_ok());
        // The client was told BAD and sends its next command, which is checked as a line.
        assert!(guard.check(&[b'z'; 21]).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_is_more_commands_than_a_window_allows() {
        let mut meter = FloodMeter::new();
        for _ in 0..MAX_COMMANDS_PER_WINDOW {
            assert!(!meter.flooding());
        }
        assert!(meter.flooding());
        tokio::time::advance(FLOOD_WINDOW).await;
        assert!(!meter.flooding());
    }

    #[test]
    fn before_sign_in_commands_and_literals_are_small() {
        let mut guard = LineGuard::new(64 * 1024, 25 * 1024 * 1024);
        assert!(
            guard
                .check(b"a LOGIN {5}\r\nann@x {8}\r\npassword\r\n")
                .is_ok()
        );
        // A big literal is refused at its announcement, before a byte of it is taken.
        assert!(guard.check(b"a LOGIN {26214400+}\r\n").is_err());
        // So is a command made of many small literals.
        let mut guard = LineGuard::new(64 * 1024, 25 * 1024 * 1024);
        let piece = [b'x'; 1000];
        assert!(guard.check(b"a LOGIN {1000}\r\n").is_ok());
        let mut refused = false;
        for _ in 0..PRE_AUTH_MAX_COMMAND / 1000 + 1 {
            refused |= guard.check(&piece).is_err() || guard.check(b" {1000}\r\n").is_err();
        }
        assert!(refused);
        // Signed in, the full limits apply.
        let mut guard = LineGuard::new(64 * 1024, 25 * 1024 * 1024);
        guard.signed_in();
        assert!(guard.check(b"a APPEND INBOX {20000000+}\r\n").is_ok());
        assert!(guard.check(&vec![b'y'; 20_000_000]).is_ok());
    }

    #[test]
    fn a_command_is_charged_no_more_than_it_may_hold() {
        let mut guard = LineGuard::new(100, 1000);
        guard.signed_in();
        // A MULTIAPPEND of three literals of the largest size: the protocol state keeps one
        // command's worth of them (1,100 bytes), so that is all it is charged.
        for _ in 0..3 {
            assert!(guard.check(b" {1000+}\r\n").is_ok());
            assert!(guard.check(&[b'x'; 1000]).is_ok());
        }
        assert_eq!(guard.take_progress(), (1100, false));
        assert!(guard.check(b"\r\n").is_ok());
        assert_eq!(guard.take_progress(), (0, true));
        // The next command starts afresh.
        assert!(guard.check(b"b APPEND INBOX {700}\r\n").is_ok());
        assert_eq!(guard.take_progress(), (700, false));
    }

    #[tokio::test]
    async fn permits_follow_a_commands_total() {
        let budget = InFlightBudget::new(0, 4 * 1024);
        assert_eq!(budget.total, 5);
        // A hundred 10-byte literals cost the one KiB their total takes, not a hundred.
        let mut held = Vec::new();
        for n in 0..100 {
            held.push(budget.reserve(n * 10, 10).await.unwrap());
        }
        assert_eq!(budget.permits.available_permits(), 4);
        drop(held);
        assert_eq!(budget.permits.available_permits(), 5);
    }

    #[test]
    fn huge_announcements_do_not_overflow() {
        let mut guard = LineGuard::new(100, 10);
        assert!(guard.check(b"a X {99999999999999999999999}\r\n").is_ok());
        assert!(guard.check(b"b NOOP\r\n").is_ok());
    }
}
