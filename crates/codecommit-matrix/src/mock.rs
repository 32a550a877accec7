//! The mock endpoint as a container (`codecommit-mock:local`), reachable from the host through a
//! port published on 127.0.0.1 only, and from other containers on the same docker network by its
//! container name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use testcontainers::bollard::models::PortBinding;
use testcontainers::core::logs::LogFrame;
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::SyncRunner;
use testcontainers::{Container, CopyTargetOptions, GenericImage, ImageExt};

use crate::exec::{ExecOutput, exec};
use crate::images::{MOCK_IMAGE, MOCK_PORT};
use crate::{Error, unique_name};

/// Where the entrypoint puts the CA and the request log (docker/mock/entrypoint.sh).
pub const CA_FILE: &str = "/run/codecommit-mock/ca.pem";
pub const LOG_FILE: &str = "/var/log/codecommit-mock/requests.jsonl";
pub const CONFIG_FILE: &str = "/etc/codecommit-mock/config.toml";

/// One line of the mock's request log (the fields the tests read; see codecommit-mock's `LogEntry`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct LogLine {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub identity: Option<String>,
    pub status: u16,
    #[serde(default)]
    pub reason: Option<String>,
}

impl std::fmt::Display for LogLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.status,
            self.method,
            self.path.rsplit('/').next().unwrap_or_default()
        )?;
        if let Some(user) = &self.user {
            write!(f, " user={user}")?;
        }
        if let Some(reason) = &self.reason {
            write!(f, " reason={reason}")?;
        }
        Ok(())
    }
}

/// A running mock container; removed (with its network, when it is the last member) on drop.
pub struct MockContainer {
    container: Container<GenericImage>,
    name: String,
    host_port: u16,
    ca_pem: String,
    output: Arc<Mutex<Vec<u8>>>,
}

impl std::fmt::Debug for MockContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockContainer")
            .field("id", &self.container.id())
            .field("name", &self.name)
            .field("host_port", &self.host_port)
            .finish_non_exhaustive()
    }
}

impl MockContainer {
    /// Starts `codecommit-mock:local` with `config_toml` on the docker network `network` (created
    /// if needed) and waits until its entrypoint reports ready and its HEALTHCHECK passes.
    pub fn start(config_toml: &str, network: &str) -> Result<Self, Error> {
        let name = unique_name("mock");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        let request = GenericImage::new(MOCK_IMAGE.0, MOCK_IMAGE.1)
            .with_exposed_port(MOCK_PORT.tcp())
            .with_wait_for(WaitFor::message_on_stdout("\"proxy_port\""))
            .with_wait_for(WaitFor::healthcheck())
            .with_copy_to(
                CopyTargetOptions::new(CONFIG_FILE).with_mode(0o644),
                config_toml.as_bytes().to_vec(),
            )
            .with_network(network)
            .with_container_name(&name)
            .with_startup_timeout(Duration::from_secs(90))
            .with_log_consumer(move |frame: &LogFrame| {
                if let Ok(mut out) = sink.lock() {
                    out.extend_from_slice(frame.bytes());
                }
            })
            // Publish on the host's loopback only, on a port the engine picks.
            .with_host_config_modifier(|host| {
                host.publish_all_ports = Some(false);
                host.port_bindings = Some(HashMap::from([(
                    format!("{MOCK_PORT}/tcp"),
                    Some(vec![PortBinding {
                        host_ip: Some("127.0.0.1".into()),
                        host_port: Some(String::new()),
                    }]),
                )]));
            });
        let container = request.start().map_err(|source| Error::Start {
            image: crate::images::mock_image(),
            output: text(&output),
            source: Box::new(source),
        })?;
        let host_port = container
            .get_host_port_ipv4(MOCK_PORT.tcp())
            .map_err(|source| Error::Start {
                image: crate::images::mock_image(),
                output: text(&output),
                source: Box::new(source),
            })?;
        let mut mock = MockContainer {
            container,
            name,
            host_port,
            ca_pem: String::new(),
            output,
        };
        let ca = mock.exec(&["cat", CA_FILE])?;
        if !ca.success() || !ca.stdout.contains("BEGIN CERTIFICATE") {
            return Err(Error::Container(format!(
                "no CA certificate at {CA_FILE} in {}: {ca}",
                mock.name
            )));
        }
        mock.ca_pem = ca.stdout;
        Ok(mock)
    }

    /// The container's name, which is its host name on the docker network.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Proxy URL for processes on the host: `http://127.0.0.1:<published port>`.
    pub fn proxy_url_from_host(&self) -> String {
        format!("http://127.0.0.1:{}", self.host_port)
    }

    /// Proxy URL for containers on the same docker network: `http://<name>:8080`.
    pub fn proxy_url_in_network(&self) -> String {
        format!("http://{}:{MOCK_PORT}", self.name)
    }

    /// The PEM of the CA the mock issues its certificates from (new for every container).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Runs a command in the mock container.
    pub fn exec(&self, argv: &[&str]) -> Result<ExecOutput, Error> {
        let argv: Vec<String> = argv.iter().map(|a| (*a).to_owned()).collect();
        exec(&self.container, &argv)
    }

    /// The request log so far, oldest first, read from the container's log file.
    pub fn log(&self) -> Result<Vec<LogLine>, Error> {
        let out = self.exec(&["cat", LOG_FILE])?;
        if !out.success() {
            return Err(Error::Container(format!(
                "cannot read {LOG_FILE} in {}: {out}",
                self.name
            )));
        }
        out.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line).map_err(|e| {
                    Error::Container(format!("request log line is not a log entry ({e}): {line}"))
                })
            })
            .collect()
    }

    /// Everything the container printed (entrypoint, mock warnings), for failure messages.
    pub fn output(&self) -> String {
        text(&self.output)
    }
}

fn text(buffer: &Mutex<Vec<u8>>) -> String {
    buffer
        .lock()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_else(|_| "(container output unavailable)".into())
}
