/// What can go wrong making a key, signing, or setting up the resolver.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot make a DKIM key: {0}")]
    KeyGeneration(String),
    #[error("the DKIM key cannot be read: {0}")]
    BadKey(String),
    #[error("cannot sign the message: {0}")]
    Signing(String),
    #[error("no DNS resolver: {0}")]
    Resolver(String),
}
