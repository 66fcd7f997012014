//! The checked, typed form of a script that [`crate::run`] walks.

use crate::strings::Template;

pub(crate) type Block = Vec<Command>;

#[derive(Debug, Clone)]
pub(crate) enum Command {
    If {
        branches: Vec<(Test, Block)>,
        otherwise: Block,
    },
    Stop,
    Keep {
        flags: Option<Vec<Template>>,
    },
    Discard,
    FileInto {
        folder: Template,
        flags: Option<Vec<Template>>,
        copy: bool,
        create: bool,
    },
    Redirect {
        address: Template,
        copy: bool,
    },
    Reject {
        reason: Template,
    },
    Vacation(Box<VacationCommand>),
    Flags {
        op: FlagOp,
        variable: Option<String>,
        flags: Vec<Template>,
    },
    Set {
        name: String,
        value: Template,
        modifiers: Vec<Modifier>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct VacationCommand {
    pub days: Option<u64>,
    pub subject: Option<Template>,
    pub from: Option<Template>,
    pub addresses: Vec<Template>,
    pub mime: bool,
    pub handle: Option<Template>,
    pub reason: Template,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlagOp {
    Set,
    Add,
    Remove,
}

/// `set` modifiers, kept in the order they apply (highest precedence first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Modifier {
    Lower,
    Upper,
    LowerFirst,
    UpperFirst,
    QuoteWildcard,
    Length,
}

impl Modifier {
    /// RFC 5229 section 4.1: modifiers of one precedence exclude each other.
    pub fn precedence(self) -> u8 {
        match self {
            Modifier::Lower | Modifier::Upper => 40,
            Modifier::LowerFirst | Modifier::UpperFirst => 30,
            Modifier::QuoteWildcard => 20,
            Modifier::Length => 10,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Test {
    True,
    False,
    Not(Box<Test>),
    AllOf(Vec<Test>),
    AnyOf(Vec<Test>),
    Exists(Vec<Template>),
    Size {
        over: bool,
        limit: u64,
    },
    Header {
        names: Vec<Template>,
        keys: Vec<Template>,
        how: Match,
        index: Option<Index>,
    },
    Address {
        names: Vec<Template>,
        keys: Vec<Template>,
        how: Match,
        part: AddressPart,
        index: Option<Index>,
    },
    Envelope {
        parts: Vec<Template>,
        keys: Vec<Template>,
        how: Match,
        part: AddressPart,
    },
    Body {
        transform: BodyTransform,
        keys: Vec<Template>,
        how: Match,
    },
    String {
        sources: Vec<Template>,
        keys: Vec<Template>,
        how: Match,
    },
    HasFlag {
        variables: Vec<String>,
        keys: Vec<Template>,
        how: Match,
    },
    Date {
        header: Template,
        zone: Zone,
        part: Template,
        keys: Vec<Template>,
        how: Match,
        index: Option<Index>,
    },
    CurrentDate {
        zone: Zone,
        part: Template,
        keys: Vec<Template>,
        how: Match,
    },
    MailboxExists(Vec<Template>),
}

/// A match type with its comparator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Match {
    pub comparator: Comparator,
    pub kind: MatchKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchKind {
    Is,
    Contains,
    Matches,
    Value(Relation),
    Count(Relation),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Relation {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Octet,
    AsciiCasemap,
    AsciiNumeric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddressPart {
    All,
    LocalPart,
    Domain,
    User,
    Detail,
}

/// `:index N` (1-based), counted from the end with `:last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Index {
    pub n: u64,
    pub last: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Zone {
    /// The account's zone (the offset of `Context::now`).
    Local,
    Original,
    Given(Template),
}

#[derive(Debug, Clone)]
pub(crate) enum BodyTransform {
    Raw,
    Content(Vec<Template>),
    Text,
}
