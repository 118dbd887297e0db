//! `mailroom user …`: create a user or reset a password from the shell, printing the generated password once.

use clap::Subcommand;
use mailroom::app::App;
use mailroom::auth::model::{NewUser, UserPatch};
use mailroom::auth::{service, Role};
use mailroom::email_address::EmailAddress;
use mailroom::Config;
use secrecy::ExposeSecret;

use crate::generated_secret;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user and print a generated password.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "sales", "marketing"])]
        role: String,
    },
    /// Give a user a new generated password (ends their sessions) and reactivate them.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

pub async fn user(mut config: Config, command: UserCommand) -> Result<(), String> {
    // The CLI must not bind the server's port, and must not create an admin as a side effect.
    config.listen = "127.0.0.1:0".parse().expect("a valid address");
    if config.admin_password.is_none() {
        config.admin_password = Some(generated_secret());
    }
    let app = App::build(&config).await.map_err(|e| e.to_string())?;
    let pool = &app.state.db.pool;
    let password = generated_secret().expose_secret().to_string();
    match command {
        UserCommand::Create { email, name, role } => {
            let role: Role = role.parse()?;
            let email = EmailAddress::parse(&email)?;
            let new = NewUser {
                email,
                name,
                role,
                password: password.clone(),
            };
            let user = service::create_user(pool, None, new)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "Created {} ({}), id {}.\n  password: {password}",
                user.email, user.role, user.id
            );
        }
        UserCommand::ResetPassword { email } => {
            let found = service::find_user_by_email(pool, &email)
                .await
                .map_err(|e| e.to_string())?;
            let patch = UserPatch {
                password: Some(password.clone()),
                active: Some(true),
                ..Default::default()
            };
            service::update_user(pool, 0, found.id, patch)
                .await
                .map_err(|e| e.to_string())?;
            println!("New password for {}: {password}", found.email);
        }
    }
    Ok(())
}
