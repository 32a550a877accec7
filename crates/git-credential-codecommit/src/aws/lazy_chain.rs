//! `aws-config`'s default credential chain, each provider built when the chain reaches it.
//!
//! `DefaultCredentialsChain::build` resolves the region (environment, profile, instance
//! metadata) and builds every provider up front: the web identity provider's STS client (which
//! parses the whole AWS partition table and compiles its regexes), two instance metadata
//! clients and the container provider. That was two thirds of the helper's own instructions on
//! every git fetch, although the usual credentials come from the environment or the shared
//! files and none of those providers is ever asked.
//!
//! The chain here is the same one, in the same order, with the same providers from the same
//! builders: Environment, Profile, WebIdentityToken, EcsContainer, Ec2InstanceMetadata, in the
//! SDK's own `CredentialsProviderChain` (which moves on only when a provider has no credentials
//! and stops on any other error). What changes is when the providers are built: the first time
//! the chain asks each one. The profile's `credential_source` providers (container, instance
//! metadata) are deferred in the same way.
//!
//! One thing differs on purpose: the region the providers are configured with (where an STS
//! call for assume-role or web identity goes). The SDK resolves it from the environment, the
//! profile and, failing both, instance metadata; here the last step is the region of the
//! CodeCommit host being signed for. Asking instance metadata for a region cost every `get` a
//! round trip to 169.254.169.254 (and a read of every root certificate) whenever the shared files
//! held keys but no region, before the chain had even read those keys; off EC2 that round trip
//! waits for the metadata client's timeout. The AWS CLI asks no region for keys from a file.

use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::profile::region::ProfileFileRegionProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::web_identity_token::WebIdentityTokenCredentialsProvider;
use aws_credential_types::provider::{self, ProvideCredentials, future};
use aws_types::region::Region;
use std::sync::Arc;

/// The default chain's credentials, as `DefaultCredentialsChain` would find them with `config`;
/// `host_region` is where STS calls go when neither the environment nor the profile names a
/// region.
pub async fn default_chain(config: ProviderConfig, host_region: Region) -> provider::Result {
    let config = Arc::new(Resolved {
        base: config,
        host_region: Some(host_region),
        with_region: tokio::sync::OnceCell::new(),
    });
    CredentialsProviderChain::first_try(
        "Environment",
        EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else("Profile", Lazy::new(&config, |conf| profile(conf, None)))
    .or_else(
        "WebIdentityToken",
        Lazy::new(&config, |conf| {
            WebIdentityTokenCredentialsProvider::builder()
                .configure(conf)
                .build()
        }),
    )
    .or_else("EcsContainer", Lazy::new(&config, ecs))
    .or_else("Ec2InstanceMetadata", Lazy::new(&config, imds))
    .provide_credentials()
    .await
}

/// The shared-files provider for a profile (the named one, or the default chain's), with its
/// `credential_source` providers built only if the profile names them.
pub fn profile(config: &ProviderConfig, name: Option<&str>) -> ProfileFileCredentialsProvider {
    let fixed = Arc::new(Resolved {
        base: config.clone(),
        host_region: None,
        with_region: tokio::sync::OnceCell::new_with(Some(config.clone())),
    });
    let mut builder = ProfileFileCredentialsProvider::builder()
        .configure(config)
        .with_custom_provider("EcsContainer", Lazy::new(&fixed, ecs))
        .with_custom_provider("Ec2InstanceMetadata", Lazy::new(&fixed, imds));
    if let Some(name) = name {
        builder = builder.profile_name(name);
    }
    builder.build()
}

fn ecs(config: &ProviderConfig) -> EcsCredentialsProvider {
    EcsCredentialsProvider::builder().configure(config).build()
}

fn imds(config: &ProviderConfig) -> ImdsCredentialsProvider {
    ImdsCredentialsProvider::builder().configure(config).build()
}

/// The region the user configured: the environment, then the profile. Instance metadata is not
/// asked: the AWS CLI v1 and the Python git-remote-codecommit (botocore) do not ask it either,
/// and off EC2 the question costs the metadata client's timeout.
pub fn configured_region(config: &ProviderConfig, profile: Option<&str>) -> RegionProviderChain {
    let mut profile_region = ProfileFileRegionProvider::builder().configure(config);
    if let Some(name) = profile {
        profile_region = profile_region.profile_name(name);
    }
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(profile_region.build())
}

/// The configuration the chain's providers share: the caller's, with the default chain's region
/// once it is resolved (the parsed profile files are shared, so they are read once).
#[derive(Debug)]
struct Resolved {
    base: ProviderConfig,
    /// The region when the user configured none; `None` when `with_region` is set from the start.
    host_region: Option<Region>,
    with_region: tokio::sync::OnceCell<ProviderConfig>,
}

impl Resolved {
    async fn get(&self) -> &ProviderConfig {
        self.with_region
            .get_or_init(|| async {
                let configured = configured_region(&self.base, None).region().await;
                self.base
                    .clone()
                    .with_region(configured.or_else(|| self.host_region.clone()))
            })
            .await
    }
}

/// A credentials provider built from the resolved configuration when it is first asked.
struct Lazy<P, F> {
    config: Arc<Resolved>,
    build: F,
    provider: tokio::sync::OnceCell<P>,
}

impl<P, F: Fn(&ProviderConfig) -> P> Lazy<P, F> {
    fn new(config: &Arc<Resolved>, build: F) -> Self {
        Lazy {
            config: config.clone(),
            build,
            provider: tokio::sync::OnceCell::new(),
        }
    }
}

impl<P, F> std::fmt::Debug for Lazy<P, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lazy")
            .field("built", &self.provider.initialized())
            .finish_non_exhaustive()
    }
}

impl<P, F> ProvideCredentials for Lazy<P, F>
where
    P: ProvideCredentials + Send + Sync,
    F: Fn(&ProviderConfig) -> P + Send + Sync,
{
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let provider = self
                .provider
                .get_or_init(|| async { (self.build)(self.config.get().await) })
                .await;
            provider.provide_credentials().await
        })
    }
}
