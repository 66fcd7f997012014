use crate::cli::QueueCommand;
use anyhow::Result;
use trekmail_core::Core;

pub async fn run(core: &Core, command: QueueCommand) -> Result<()> {
    match command {
        QueueCommand::List => {
            let queued = core.outbound_queue().await?;
            if queued.is_empty() {
                println!("the queue is empty");
            }
            for m in queued {
                println!(
                    "{}\t{}\t{}\t{} bytes\tqueued {}\t{} attempt(s)\tnext {}\t{}",
                    m.id,
                    if m.sender.is_empty() { "<>" } else { &m.sender },
                    m.recipient,
                    m.size,
                    m.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    m.attempts,
                    m.next_attempt.format("%Y-%m-%d %H:%M:%S UTC"),
                    m.last_error,
                );
            }
        }
    }
    Ok(())
}
