//! The JSON upstream services of ch10 (location, sun, weather), under `/api/`. Filled in by ch10.

use axum::Router;

use super::SiteConfig;

/// The upstream routes, merged into the site's router.
pub(super) fn router<S: Clone + Send + Sync + 'static>(_cfg: &SiteConfig) -> Router<S> {
    Router::new()
}
