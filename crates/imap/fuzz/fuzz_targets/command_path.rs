//! Any bytes a client may send, through the command path (see trekmail_imap::fuzzing).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trekmail_imap::fuzzing::command_path(data);
});
