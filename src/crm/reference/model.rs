use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

impl StageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Open => "open",
            StageKind::Won => "won",
            StageKind::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> StageKind {
        match s {
            "won" => StageKind::Won,
            "lost" => StageKind::Lost,
            _ => StageKind::Open,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stage {
    pub id: i64,
    pub pipeline_id: i64,
    pub name: String,
    pub position: i64,
    /// Probability of winning a deal in this stage, 0-100.
    pub probability: i64,
    pub kind: StageKind,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    pub position: i64,
    /// In order.
    pub stages: Vec<Stage>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStage {
    pub name: String,
    pub probability: i64,
    #[serde(default = "open")]
    pub kind: StageKind,
    /// Place among the pipeline's stages (0 = first); at the end when absent.
    pub position: Option<i64>,
}

fn open() -> StageKind {
    StageKind::Open
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPipeline {
    pub name: String,
    #[serde(default)]
    pub position: i64,
    /// Stages in order; a pipeline needs at least one open stage, one won and one lost.
    pub stages: Vec<NewStage>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelinePatch {
    pub name: Option<String>,
    pub position: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StagePatch {
    pub name: Option<String>,
    pub probability: Option<i64>,
    pub kind: Option<StageKind>,
    pub position: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StageDelete {
    /// Move the stage's deals to this stage of the same pipeline first; without it a used stage is not deleted.
    pub move_to: Option<i64>,
}

/// An entry of an editable list (lead sources, contact types).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListEntry {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListEntryInput {
    pub name: String,
}
