//! The SDK's HTTPS client on ring, built on the first request instead of up front.
//!
//! `DefaultCredentialsChain::build` prepares its container and instance metadata providers, and
//! with them an HTTPS connector that reads every root certificate on the machine (about 150
//! files here): milliseconds spent on every git fetch, although the usual credentials come from
//! a file and no request is ever made. This wrapper hands out connectors that create the real
//! one only when a request is actually sent.
//!
//! The client is the one `aws-config`'s `default-https-client` feature builds (hyper 1.x,
//! rustls, the platform's trust roots, proxy settings from the environment), with ring as the
//! crypto provider instead of aws-lc: one provider in the workspace, and no C library that a
//! cross build has to compile.

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::sync::OnceLock;

/// Hyper 1.x and rustls on ring, with the same settings as the SDK's default client.
#[derive(Debug, Clone)]
pub struct LazyHttpClient {
    inner: SharedHttpClient,
}

impl LazyHttpClient {
    /// What `aws_smithy_runtime`'s `default_https_client` builds for a current behavior version,
    /// on ring: the connector and sleep settings of each client, the platform's root
    /// certificates (`TrustStore::default`), and `HTTPS_PROXY`/`NO_PROXY` as the SDK reads them.
    pub fn new() -> Self {
        let inner = Builder::new().build_with_connector_fn(|settings, components| {
            let mut connector =
                ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::Ring));
            connector.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                connector.set_sleep_impl(components.sleep_impl());
            }
            connector.set_proxy_config(Some(ProxyConfig::from_env()));
            connector.build()
        });
        LazyHttpClient { inner }
    }
}

impl HttpClient for LazyHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LazyConnector {
            client: self.inner.clone(),
            settings: settings.clone(),
            components: components.clone(),
            connector: OnceLock::new(),
        })
    }
}

#[derive(Debug)]
struct LazyConnector {
    client: SharedHttpClient,
    settings: HttpConnectorSettings,
    components: RuntimeComponents,
    connector: OnceLock<SharedHttpConnector>,
}

impl HttpConnector for LazyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.connector
            .get_or_init(|| self.client.http_connector(&self.settings, &self.components))
            .call(request)
    }
}
