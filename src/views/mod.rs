//! Saved views of the record lists: a user's named choice of filters, sort and columns for leads, contacts,
//! companies or deals, kept on the server so that it follows the user to any browser. Each user sees only their own.

pub mod model;
pub mod routes;
mod store;

use sqlx::AnyPool;

use crate::auth::Caller;
use crate::error::Error;
use model::{ListKind, View, ViewInput};

const MAX_VIEWS: i64 = 100;

pub async fn list(
    pool: &AnyPool,
    caller: &Caller,
    kind: Option<ListKind>,
) -> Result<Vec<View>, Error> {
    store::list(pool, caller.id, kind).await
}

pub async fn create(pool: &AnyPool, caller: &Caller, input: ViewInput) -> Result<View, Error> {
    let input = input.checked()?;
    if store::count(pool, caller.id).await? >= MAX_VIEWS {
        return Err(Error::validation(
            "name",
            format!("at most {MAX_VIEWS} saved views per user"),
        ));
    }
    let id = store::insert(pool, caller.id, &input)
        .await
        .map_err(|e| taken(e, &input))?;
    get(pool, caller, id).await
}

pub async fn get(pool: &AnyPool, caller: &Caller, id: i64) -> Result<View, Error> {
    // Another user's view is as absent as one that never was.
    store::get(pool, caller.id, id)
        .await?
        .ok_or(Error::NotFound("view"))
}

pub async fn update(
    pool: &AnyPool,
    caller: &Caller,
    id: i64,
    input: ViewInput,
) -> Result<View, Error> {
    let input = input.checked()?;
    get(pool, caller, id).await?;
    store::update(pool, caller.id, id, &input)
        .await
        .map_err(|e| taken(e, &input))?;
    get(pool, caller, id).await
}

pub async fn delete(pool: &AnyPool, caller: &Caller, id: i64) -> Result<(), Error> {
    if !store::delete(pool, caller.id, id).await? {
        return Err(Error::NotFound("view"));
    }
    Ok(())
}

fn taken(e: Error, input: &ViewInput) -> Error {
    match e {
        Error::Database(sqlx::Error::Database(d)) if d.is_unique_violation() => Error::Conflict {
            message: format!(
                "you already have a view named '{}' of {}",
                input.name,
                input.kind.as_str()
            ),
        },
        other => other,
    }
}
