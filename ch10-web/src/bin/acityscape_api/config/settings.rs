//! What the app is configured with: the course's `config/settings.py` loads `dev.json` (cached data
//! or not, the weather key); here `main` fills this struct from the command line once.
//!
//! Ports: `src/10-async-web/acityscape_api/config/settings.py` (and its `dev.json`/`prod.json`)

/// The app's settings, read by the services. The course keeps them in module globals that
/// `configure_app` sets; Rust hands one value to every worker instead.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The course's `use_cached_data`: the location and sun services sleep a measured latency and
    /// return fixed data instead of calling their API.
    pub use_cached_data: bool,
    /// Multiplies the cached-data sleeps (`--time-scale`).
    pub time_scale: f64,
    /// Where the location service asks: `{location_api}/{country}/{zip}`.
    pub location_api: String,
    /// Where the sun service asks: `{sun_api}/json?lat=…&lng=…`.
    pub sun_api: String,
    /// Where the weather service asks: `{weather_api}/data/2.5/weather?zip=…&appid=…`.
    pub weather_api: String,
    /// The weather API's key: the learner's own (OpenWeatherMap), never one from the course.
    pub weather_key: Option<String>,
}
