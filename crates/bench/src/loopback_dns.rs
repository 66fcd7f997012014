//! A DNS server in the bench's own process, on loopback UDP, answering TXT queries from a
//! fixed table: the sender-authentication benchmarks measure our checks, not a network's
//! resolver.

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::UdpSocket;

/// Starts a server answering `records` (name without the final dot → TXT values); every other
/// name is NXDOMAIN. Runs until the process ends.
pub async fn start(records: HashMap<String, Vec<String>>) -> anyhow::Result<SocketAddr> {
    let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await?);
    let addr = socket.local_addr()?;
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((len, peer)) = socket.recv_from(&mut buf).await else {
                return;
            };
            if let Some(answer) = answer(&records, &buf[..len]) {
                let _ = socket.send_to(&answer, peer).await;
            }
        }
    });
    Ok(addr)
}

fn answer(records: &HashMap<String, Vec<String>>, query: &[u8]) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let question = request.queries.first()?.clone();
    let mut reply = Message::new(
        request.metadata.id,
        MessageType::Response,
        request.metadata.op_code,
    );
    reply.metadata.recursion_desired = request.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    let name = question
        .name
        .to_ascii()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    match records.get(&name) {
        None => reply.metadata.response_code = ResponseCode::NXDomain,
        Some(values) if question.query_type == RecordType::TXT => {
            for value in values {
                let chunks = value
                    .as_bytes()
                    .chunks(255)
                    .map(|c| String::from_utf8_lossy(c).into_owned());
                let owner = Name::from_ascii(format!("{name}.")).ok()?;
                reply.add_answer(Record::from_rdata(
                    owner,
                    300,
                    RData::TXT(TXT::new(chunks.collect())),
                ));
            }
        }
        Some(_) => {}
    }
    reply.add_query(question);
    reply.to_vec().ok()
}
