//! Any bytes a client may send, through the command and DATA path (see trekmail_smtp::fuzzing).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    trekmail_smtp::fuzzing::command_path(data);
});
