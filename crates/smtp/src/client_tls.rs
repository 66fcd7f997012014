//! TLS for outbound delivery. To a domain's MX hosts, TLS is opportunistic and the certificate
//! is not checked (as most mail servers do without DANE or MTA-STS): refusing an unverifiable
//! certificate would only mean sending in clear instead. A relay that gets our credentials must
//! show a certificate that checks out, against the Web PKI roots or the configured CA.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::Arc;
use tokio_rustls::TlsConnector;

/// When the queue uses TLS to other servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboundTls {
    /// Never: for a relay on a trusted network that offers a broken STARTTLS.
    Off,
    /// When the server offers STARTTLS; in clear otherwise.
    Opportunistic,
    /// Only over TLS: a server without STARTTLS is tried again later.
    Required,
}

/// The two ways the client starts TLS.
#[derive(Clone)]
pub(crate) struct Connectors {
    /// Encrypts against eavesdroppers without checking who answers.
    pub(crate) unverified: TlsConnector,
    /// Checks the certificate against the roots and the host name.
    pub(crate) verified: TlsConnector,
}

impl Connectors {
    /// `extra_roots` are trusted beside the Web PKI (e.g. a relay's private CA).
    pub(crate) fn new(
        extra_roots: &[CertificateDer<'static>],
    ) -> Result<Connectors, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for root in extra_roots {
            roots.add(root.clone())?;
        }
        let verified = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let unverified = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth();
        Ok(Connectors {
            unverified: TlsConnector::from(Arc::new(unverified)),
            verified: TlsConnector::from(Arc::new(verified)),
        })
    }
}

/// Accepts any certificate, but still checks the handshake's signatures, so the session is
/// encrypted to whoever holds the key the certificate names.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
