//! The SDK's default HTTPS client, built on the first request instead of up front.
//!
//! `DefaultCredentialsChain::build` prepares its container and instance metadata providers, and
//! with them an HTTPS connector that reads every root certificate on the machine (about 150
//! files here): milliseconds spent on every git fetch, although the usual credentials come from
//! a file and no request is ever made. This wrapper hands out connectors that create the real
//! one only when a request is actually sent.

use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;
use std::sync::OnceLock;

/// Wraps the SDK's default client (the same TLS stack, proxy settings and timeouts).
#[derive(Debug, Clone)]
pub struct LazyHttpClient {
    inner: SharedHttpClient,
}

impl LazyHttpClient {
    /// `None` only if the SDK was built without a default HTTPS client.
    pub fn sdk_default() -> Option<Self> {
        let plugin = aws_smithy_runtime::client::defaults::default_http_client_plugin_v2(
            BehaviorVersion::latest(),
        )?;
        let components = plugin.runtime_components(&RuntimeComponentsBuilder::new("lazy_http"));
        components
            .http_client()
            .map(|inner| LazyHttpClient { inner })
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
