//! Reference lists an admin edits: pipelines with ordered stages (probability; won and lost stages), lead sources,
//! contact types, company types. Nothing in use is deleted silently.

pub mod model;
pub mod routes;
mod store;

use sqlx::{AnyConnection, AnyPool};

use crate::crm::normalize::required;
use crate::error::Error;
use model::{
    ListEntry, NewPipeline, NewStage, Pipeline, PipelinePatch, Stage, StageKind, StagePatch,
};

/// The simple named lists.
#[derive(Debug, Clone, Copy)]
pub enum RefList {
    LeadSources,
    ContactTypes,
    CompanyTypes,
}

impl RefList {
    fn table(self) -> &'static str {
        match self {
            RefList::LeadSources => "lead_sources",
            RefList::ContactTypes => "contact_types",
            RefList::CompanyTypes => "company_types",
        }
    }

    fn used_by(self) -> (&'static str, &'static str) {
        match self {
            RefList::LeadSources => ("leads", "source_id"),
            RefList::ContactTypes => ("contacts", "type_id"),
            RefList::CompanyTypes => ("companies", "type_id"),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            RefList::LeadSources => "lead source",
            RefList::ContactTypes => "contact type",
            RefList::CompanyTypes => "company type",
        }
    }
}

fn check_stage(stage: &NewStage) -> Result<(), Error> {
    required("stages.name", &stage.name, 100)?;
    if !(0..=100).contains(&stage.probability) {
        return Err(Error::validation(
            "stages.probability",
            "must be between 0 and 100",
        ));
    }
    Ok(())
}

async fn load_pipeline(conn: &mut AnyConnection, id: i64) -> Result<Pipeline, Error> {
    let row = store::pipeline(conn, id)
        .await?
        .ok_or(Error::NotFound("pipeline"))?;
    let stages = store::stages_of(conn, id).await?;
    Ok(Pipeline {
        id: row.id,
        name: row.name,
        position: row.position,
        stages,
    })
}

pub async fn list_pipelines(pool: &AnyPool) -> Result<Vec<Pipeline>, Error> {
    list_pipelines_in(&mut *pool.acquire().await?).await
}

/// Every pipeline with its stages, on the caller's connection: one connection for the whole read, so that a job on
/// a pool of one connection can call it while holding nothing else.
pub async fn list_pipelines_in(conn: &mut AnyConnection) -> Result<Vec<Pipeline>, Error> {
    let mut out = Vec::new();
    for row in store::pipelines(&mut *conn).await? {
        out.push(load_pipeline(&mut *conn, row.id).await?);
    }
    Ok(out)
}

/// A pipeline with its stages, inside a caller's transaction.
pub async fn get_pipeline_in(conn: &mut AnyConnection, id: i64) -> Result<Pipeline, Error> {
    load_pipeline(conn, id).await
}

pub async fn get_pipeline(pool: &AnyPool, id: i64) -> Result<Pipeline, Error> {
    load_pipeline(&mut *pool.acquire().await?, id).await
}

pub async fn create_pipeline(pool: &AnyPool, new: NewPipeline) -> Result<Pipeline, Error> {
    let name = required("name", &new.name, 100)?;
    for stage in &new.stages {
        check_stage(stage)?;
    }
    let has = |kind| new.stages.iter().any(|s| s.kind == kind);
    if !(has(StageKind::Open) && has(StageKind::Won) && has(StageKind::Lost)) {
        return Err(Error::validation(
            "stages",
            "a pipeline needs at least one open, one won and one lost stage",
        ));
    }
    let mut tx = crate::db::begin(pool).await?;
    let id = store::insert_pipeline(&mut tx, &name, new.position)
        .await
        .map_err(name_taken(&name))?;
    for (i, stage) in new.stages.into_iter().enumerate() {
        let stage = Stage {
            id: 0,
            pipeline_id: id,
            name: stage.name.trim().to_string(),
            position: i as i64,
            probability: stage.probability,
            kind: stage.kind,
        };
        store::insert_stage(&mut tx, id, &stage)
            .await
            .map_err(name_taken(&stage.name))?;
    }
    let pipeline = load_pipeline(&mut tx, id).await?;
    tx.commit().await?;
    Ok(pipeline)
}

fn name_taken(name: &str) -> impl FnOnce(Error) -> Error + '_ {
    move |e| match e {
        Error::Database(ref d) if matches!(d, sqlx::Error::Database(db) if db.is_unique_violation()) => {
            Error::Conflict {
                message: format!("the name '{name}' is already used"),
            }
        }
        other => other,
    }
}

pub async fn update_pipeline(
    pool: &AnyPool,
    id: i64,
    patch: PipelinePatch,
) -> Result<Pipeline, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let current = load_pipeline(&mut tx, id).await?;
    let name = match patch.name {
        Some(n) => required("name", &n, 100)?,
        None => current.name,
    };
    store::update_pipeline(
        &mut tx,
        id,
        &name,
        patch.position.unwrap_or(current.position),
    )
    .await
    .map_err(name_taken(&name))?;
    let pipeline = load_pipeline(&mut tx, id).await?;
    tx.commit().await?;
    Ok(pipeline)
}

pub async fn delete_pipeline(pool: &AnyPool, id: i64) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    load_pipeline(&mut tx, id).await?;
    let used = store::deals_in_pipeline(&mut tx, id).await?;
    if used > 0 {
        return Err(Error::Conflict {
            message: format!("{used} deals are in this pipeline; move or delete them first"),
        });
    }
    store::delete_pipeline(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts `stage` at its position among the pipeline's stages and renumbers the rest.
async fn place(conn: &mut AnyConnection, mut stage: Stage, insert: bool) -> Result<Stage, Error> {
    let mut others: Vec<Stage> = store::stages_of(conn, stage.pipeline_id)
        .await?
        .into_iter()
        .filter(|s| s.id != stage.id)
        .collect();
    let at = (stage.position.max(0) as usize).min(others.len());
    if insert {
        stage.id = store::insert_stage(conn, stage.pipeline_id, &stage)
            .await
            .map_err(name_taken(&stage.name))?;
    }
    others.insert(at, stage.clone());
    for (i, s) in others.iter_mut().enumerate() {
        s.position = i as i64;
        store::update_stage(conn, s)
            .await
            .map_err(name_taken(&s.name))?;
    }
    Ok(others.swap_remove(at))
}

pub async fn add_stage(pool: &AnyPool, pipeline_id: i64, new: NewStage) -> Result<Stage, Error> {
    check_stage(&new)?;
    let mut tx = crate::db::begin(pool).await?;
    let pipeline = load_pipeline(&mut tx, pipeline_id).await?;
    let stage = Stage {
        id: 0,
        pipeline_id,
        name: new.name.trim().to_string(),
        position: new.position.unwrap_or(pipeline.stages.len() as i64),
        probability: new.probability,
        kind: new.kind,
    };
    let stage = place(&mut tx, stage, true).await?;
    tx.commit().await?;
    Ok(stage)
}

pub async fn get_stage(conn: &mut AnyConnection, id: i64) -> Result<Stage, Error> {
    store::stage(conn, id)
        .await?
        .ok_or(Error::NotFound("stage"))
}

pub async fn update_stage(pool: &AnyPool, id: i64, patch: StagePatch) -> Result<Stage, Error> {
    let mut tx = crate::db::begin(pool).await?;
    let mut stage = get_stage(&mut tx, id).await?;
    if let Some(name) = patch.name {
        stage.name = required("name", &name, 100)?;
    }
    if let Some(p) = patch.probability {
        if !(0..=100).contains(&p) {
            return Err(Error::validation(
                "probability",
                "must be between 0 and 100",
            ));
        }
        stage.probability = p;
    }
    if let Some(kind) = patch.kind {
        stage.kind = kind;
    }
    if let Some(position) = patch.position {
        stage.position = position;
    }
    let stage = place(&mut tx, stage, false).await?;
    tx.commit().await?;
    Ok(stage)
}

/// Deletes a stage. Deals in it are moved to `move_to` (same pipeline) or the deletion is refused with 409.
pub async fn delete_stage(pool: &AnyPool, id: i64, move_to: Option<i64>) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    let stage = get_stage(&mut tx, id).await?;
    let used = store::deals_in_stage(&mut tx, id).await?;
    if used > 0 {
        let Some(target) = move_to else {
            return Err(Error::Conflict {
                message: format!(
                    "{used} deals are in stage '{}'; pass move_to=<stage id> to move them",
                    stage.name
                ),
            });
        };
        let target = get_stage(&mut tx, target).await?;
        if target.pipeline_id != stage.pipeline_id || target.id == stage.id {
            return Err(Error::validation(
                "move_to",
                "must be another stage of the same pipeline",
            ));
        }
        store::move_deals(&mut tx, id, target.id).await?;
    }
    if store::stages_of(&mut tx, stage.pipeline_id).await?.len() <= 1 {
        return Err(Error::Conflict {
            message: "a pipeline keeps at least one stage".into(),
        });
    }
    store::delete_stage(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_entries(pool: &AnyPool, list: RefList) -> Result<Vec<ListEntry>, Error> {
    store::list_entries(pool, list).await
}

pub async fn add_entry(pool: &AnyPool, list: RefList, name: &str) -> Result<ListEntry, Error> {
    let name = required("name", name, 100)?;
    let mut conn = pool.acquire().await?;
    let id = store::insert_entry(&mut conn, list, &name)
        .await
        .map_err(name_taken(&name))?;
    Ok(ListEntry { id, name })
}

pub async fn rename_entry(
    pool: &AnyPool,
    list: RefList,
    id: i64,
    name: &str,
) -> Result<ListEntry, Error> {
    let name = required("name", name, 100)?;
    let mut conn = pool.acquire().await?;
    store::entry(&mut conn, list, id)
        .await?
        .ok_or(Error::NotFound(list.noun()))?;
    store::rename_entry(&mut conn, list, id, &name)
        .await
        .map_err(name_taken(&name))?;
    Ok(ListEntry { id, name })
}

pub async fn delete_entry(pool: &AnyPool, list: RefList, id: i64) -> Result<(), Error> {
    let mut tx = crate::db::begin(pool).await?;
    store::entry(&mut tx, list, id)
        .await?
        .ok_or(Error::NotFound(list.noun()))?;
    let used = store::entry_uses(&mut tx, list, id).await?;
    if used > 0 {
        return Err(Error::Conflict {
            message: format!("{used} records use this {}", list.noun()),
        });
    }
    store::delete_entry(&mut tx, list, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks that an entry exists (for records referring to it).
pub async fn require_entry(
    conn: &mut AnyConnection,
    list: RefList,
    id: i64,
    field: &str,
) -> Result<(), Error> {
    match store::entry(conn, list, id).await? {
        Some(_) => Ok(()),
        None => Err(Error::validation(
            field,
            format!("no {} with id {id}", list.noun()),
        )),
    }
}

pub async fn entry_id_by_name(
    pool: &AnyPool,
    list: RefList,
    name: &str,
) -> Result<Option<i64>, Error> {
    store::entry_by_name(pool, list, name).await
}

pub async fn entry_name(
    conn: &mut AnyConnection,
    list: RefList,
    id: i64,
) -> Result<Option<String>, Error> {
    Ok(store::entry(conn, list, id).await?.map(|e| e.name))
}
