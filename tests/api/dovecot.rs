//! A private Dovecot for tests: its own config in a temp dir, on a free loopback port, filled over IMAP APPEND.
//! Fails loudly when Dovecot is missing (scripts/test.sh installs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use async_imap::Client;
use tokio::net::TcpStream;

pub const USER: &str = "sales@nordwind.ru";
pub const PASSWORD: &str = "secret-imap-pass";

pub struct Dovecot {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn id_of(flag: &str, user: &str) -> String {
    let out = Command::new("id").args([flag, user]).output().expect("id");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Dovecot {
    pub fn start() -> Dovecot {
        Dovecot::start_with(None)
    }

    /// With Dovecot's `oauth2` passdb for XOAUTH2 and OAUTHBEARER, validating tokens by introspection at this URL
    /// (`http://client:secret@host:port/path`), beside the passwords.
    pub fn start_oauth(introspection_url: &str) -> Dovecot {
        Dovecot::start_with(Some((introspection_url, "xoauth2 oauthbearer")))
    }

    /// The same, offering XOAUTH2 only (as Gmail and Exchange Online do).
    pub fn start_xoauth2_only(introspection_url: &str) -> Dovecot {
        Dovecot::start_with(Some((introspection_url, "xoauth2")))
    }

    /// With Dovecot's `oauth2` passdb matching the SASL user, as `username_format` (`%n`: its local part), against
    /// another introspected attribute: `client_id` stands in for Exchange Online's app-only sign-in (the app's
    /// token, the mailbox the app was given access to).
    pub fn start_oauth_as(introspection_url: &str, attribute: &str, format: &str) -> Dovecot {
        let matching = format!("username_attribute = {attribute}\nusername_format = {format}");
        Dovecot::start_with_matching(Some((introspection_url, "xoauth2 oauthbearer")), &matching)
    }

    fn start_with(oauth: Option<(&str, &str)>) -> Dovecot {
        Dovecot::start_with_matching(oauth, "username_attribute = username")
    }

    fn start_with_matching(oauth: Option<(&str, &str)>, matching: &str) -> Dovecot {
        let binary = Path::new("/usr/sbin/dovecot");
        assert!(
            binary.exists(),
            "Dovecot is not installed: run scripts/test.sh (apt-get install -y dovecot-imapd)"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let port = free_port();
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::write(
            dir.path().join("users"),
            format!("{USER}:{{PLAIN}}{PASSWORD}\nother@nordwind.ru:{{PLAIN}}other-pass\n"),
        )
        .unwrap();
        let (uid, gid) = (id_of("-u", "nobody"), id_of("-g", "nobody"));
        let (mechanisms, passdbs, anvil) = match oauth {
            None => (
                "plain login".to_string(),
                format!("passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n"),
                "",
            ),
            Some((url, sasl)) => {
                std::fs::write(
                    dir.path().join("dovecot-oauth2.conf.ext"),
                    format!(
                        "introspection_mode = post\nintrospection_url = {url}\n{matching}\n\
                         active_attribute = active\nactive_value = true\nforce_introspection = yes\n"
                    ),
                )
                .unwrap();
                (
                    format!("plain login {sasl}"),
                    format!("auth_failure_delay = 0\npassdb {{\n  driver = oauth2\n  mechanisms = {sasl}\n  args = {d}/dovecot-oauth2.conf.ext\n}}\n\
                             passdb {{\n  driver = passwd-file\n  mechanisms = plain login\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n"),
                    // Without it every refused login from 127.0.0.1 waits longer than the last.
                    "  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n",
                )
            }
        };
        let config = format!(
            "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\nprotocols = imap\nlisten = 127.0.0.1\n\
             ssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = {mechanisms}\n\
             mail_location = maildir:{d}/mail/%u\nfirst_valid_uid = 0\nimap_idle_notify_interval = 1 secs\n\
             {passdbs}\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={d}/mail/%u\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             service anvil {{\n  chroot =\n{anvil}}}\n\
             namespace inbox {{\n  inbox = yes\n  mailbox Sent {{\n    special_use = \\Sent\n    auto = create\n  }}\n  mailbox Archive {{\n    special_use = \\Archive\n    auto = create\n  }}\n}}\n"
        );
        std::fs::write(dir.path().join("dovecot.conf"), config).unwrap();
        let status = Command::new("chown")
            .args(["-R", "nobody:", &format!("{d}/mail")])
            .status()
            .unwrap();
        assert!(status.success());
        let status = Command::new(binary)
            .args(["-c", &format!("{d}/dovecot.conf")])
            .status()
            .expect("start dovecot");
        assert!(
            status.success(),
            "dovecot did not start: {}",
            std::fs::read_to_string(dir.path().join("dovecot.log")).unwrap_or_default()
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "dovecot did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Dovecot { dir, port }
    }

    /// Drops every IMAP connection of the user, as a server restart or a network hiccup would.
    pub fn kick(&self, user: &str) {
        let _ = Command::new("doveadm")
            .args(["-c", &self.config().display().to_string(), "kick", user])
            .output()
            .unwrap();
    }

    /// Dovecot's log (logins, refused authentications).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("dovecot.conf")
    }

    pub async fn session(&self) -> async_imap::Session<TcpStream> {
        self.session_as(USER, PASSWORD).await
    }

    pub async fn session_as(&self, user: &str, password: &str) -> async_imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut client = Client::new(tcp);
        client.read_response().await.unwrap();
        client
            .login(user, password)
            .await
            .map_err(|(e, _)| e)
            .unwrap()
    }

    pub async fn append(&self, folder: &str, raw: &[u8]) {
        let mut s = self.session().await;
        s.append(folder, None, None, raw).await.unwrap();
        s.logout().await.unwrap();
    }

    pub async fn append_many(&self, folder: &str, messages: &[Vec<u8>]) {
        let mut s = self.session().await;
        for raw in messages {
            s.append(folder, None, None, raw).await.unwrap();
        }
        s.logout().await.unwrap();
    }

    /// Gives the folder a new UIDVALIDITY, as a server restore or migration would.
    pub fn change_uidvalidity(&self, folder: &str, value: u32) {
        let status = Command::new("doveadm")
            .args([
                "-c",
                &self.config().display().to_string(),
                "mailbox",
                "update",
                "-u",
                USER,
                "--uid-validity",
                &value.to_string(),
                folder,
            ])
            .status()
            .unwrap();
        assert!(status.success(), "doveadm mailbox update");
    }

    /// New mailbox settings JSON for the API.
    pub fn mailbox_json(&self, port: u16, password: &str) -> serde_json::Value {
        serde_json::json!({ "name": "Продажи", "host": "127.0.0.1", "port": port, "security": "plain",
            "username": USER, "password": password })
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("doveadm")
            .args(["-c", &self.config().display().to_string(), "stop"])
            .status();
    }
}

/// A test message with a unique Message-ID.
pub fn message(n: usize, subject: &str) -> Vec<u8> {
    format!(
        "From: Клиент {n} <client{n}@example.ru>\r\nTo: {USER}\r\nSubject: {subject}\r\nMessage-ID: <m{n}.{}@example.ru>\r\n\
         Date: Mon, 16 Nov 2026 10:00:00 +0300\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nТекст письма {n}\r\n",
        std::process::id()
    )
    .into_bytes()
}

/// A loopback port with nothing listening.
pub fn free_port_for_tests() -> u16 {
    free_port()
}
