//! Receiving an import's file over HTTP: a request body streamed, chunk by
//! chunk, to a temporary file (never whole in memory). The import itself,
//! its jobs and the mappings are `parcours_app::import`'s.

use crate::error::Failure;
use axum::body::{Body, Bytes, HttpBody};
use parcours_app::import::TempUpload;

/// The largest file accepted by the upload routes (the other routes keep
/// the default limit).
pub const UPLOAD_LIMIT: usize = 512 * 1024 * 1024;

/// A whole request body, in a file of the upload directory `dir`.
pub async fn upload_body(mut body: Body, dir: &std::path::Path) -> Result<TempUpload, Failure> {
    let mut upload = TempUpload::create(dir).await?;
    while let Some(chunk) = next_chunk(&mut body).await? {
        upload.write(&chunk).await?;
    }
    upload.close().await?;
    Ok(upload)
}

/// A body cut short (client gone, or over [`UPLOAD_LIMIT`]).
pub fn incomplete() -> Failure {
    Failure::BadRequest(
        "Le fichier n'a pas été reçu en entier (envoi interrompu, ou plus de 512 Mo).".into(),
    )
}

async fn next_chunk(body: &mut Body) -> Result<Option<Bytes>, Failure> {
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_frame(cx)).await;
        match frame {
            None => return Ok(None),
            Some(Err(_)) => return Err(incomplete()),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}
