//! Parsing on every core: a chunk of fetched messages is split into `available_parallelism` runs, each parsed in a
//! blocking task; the chunk bounds the memory, the core count bounds the threads busy at once.

use crate::error::Error;

/// How many blocking tasks one chunk is split across.
pub fn width() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Maps `f` over `items` on up to [`width`] blocking tasks at once, keeping the order.
pub async fn map_blocking<T, R, F>(items: Vec<T>, f: F) -> Result<Vec<R>, Error>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> R + Clone + Send + 'static,
{
    let len = items.len();
    let per_task = len.div_ceil(width()).max(1);
    let mut items = items.into_iter();
    let mut tasks = Vec::new();
    loop {
        let run: Vec<T> = items.by_ref().take(per_task).collect();
        if run.is_empty() {
            break;
        }
        let f = f.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            run.into_iter().map(f).collect::<Vec<R>>()
        }));
    }
    let mut out = Vec::with_capacity(len);
    for task in tasks {
        out.extend(task.await.map_err(Error::internal)?);
    }
    Ok(out)
}
