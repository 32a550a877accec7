//! A certificate authority made per mock instance, and leaf certificates for whatever host a
//! client CONNECTs to, issued on first use and cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("TLS configuration failed: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("{0:?} is neither a DNS name nor an IP address; no certificate can name it")]
    NotAHostName(String),
}

/// The per-instance CA and its cache of server configurations, one per host name.
pub struct Authority {
    issuer: Issuer<'static, KeyPair>,
    ca_pem: String,
    configs: Mutex<HashMap<String, Arc<ServerConfig>>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

impl Authority {
    pub fn new() -> Result<Authority, TlsError> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "codecommit-mock test CA");
        dn.push(DnType::OrganizationName, "codecommit-mock");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let (not_before, not_after) = validity();
        params.not_before = not_before;
        params.not_after = not_after;
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(Authority {
            issuer: Issuer::new(params, key),
            ca_pem: cert.pem(),
            configs: Mutex::new(HashMap::new()),
        })
    }

    /// The CA certificate in PEM, for `http.sslCAInfo`.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A server configuration presenting a certificate for `host` (DNS name or IP address).
    pub fn server_config(&self, host: &str) -> Result<Arc<ServerConfig>, TlsError> {
        let host = host.to_ascii_lowercase();
        if let Some(config) = self
            .configs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&host)
        {
            return Ok(config.clone());
        }
        let config = Arc::new(self.issue(&host)?);
        self.configs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host, config.clone());
        Ok(config)
    }

    fn issue(&self, host: &str) -> Result<ServerConfig, TlsError> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, host);
        params.distinguished_name = dn;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        params.subject_alt_names = vec![match bare.parse::<std::net::IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            // rcgen takes any ASCII; a client would refuse such a certificate with an error
            // that hides the cause, so refuse to make it.
            Err(_) if !crate::host::is_dns_name(host) => {
                return Err(TlsError::NotAHostName(host.to_owned()));
            }
            Err(_) => SanType::DnsName(host.try_into()?),
        }];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let (not_before, not_after) = validity();
        params.not_before = not_before;
        params.not_after = not_after;
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        let chain = vec![CertificateDer::from(cert.der().to_vec())];
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, private)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// From a day ago (the mock's clock offset moves only password checks, not TLS) to ten years on.
fn validity() -> (time::OffsetDateTime, time::OffsetDateTime) {
    let now = time::OffsetDateTime::now_utc();
    (
        now - time::Duration::days(1),
        now + time::Duration::days(3650),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_only_for_host_names_and_addresses() {
        let ca = Authority::new().expect("CA");
        for ok in [
            "git-codecommit.us-east-2.amazonaws.com",
            "127.0.0.1",
            "[::1]",
        ] {
            assert!(ca.server_config(ok).is_ok(), "{ok}");
        }
        for bad in ["a_b.example", "a..b", "", &"a".repeat(64)] {
            let e = ca.server_config(bad).expect_err(bad).to_string();
            assert!(e.contains("neither a DNS name nor an IP address"), "{e}");
        }
    }
}
