//! What the app is configured with: the course's `load(mode)` reads `dev.json` (cached data or
//! not, the weather key); here the flags and the embedded site say the same things.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/cityscape_api/config/settings.py>
//! Needs beside it: the flags of `ch10_web::Server` (`src/lib.rs`); a copy reads your own instead.

use ch10_web::Server;

/// The app's settings, read by the services (the course keeps them in module globals):
/// `use_cached_data` makes the location and sun services sleep a measured latency (times
/// `time_scale`) and return fixed data instead of calling their API; the weather key is the
/// learner's own (OpenWeatherMap), never one from the course.
#[derive(Debug, Clone)]
pub struct Settings {
    pub use_cached_data: bool,
    pub time_scale: f64,
    pub location_api: String,
    pub sun_api: String,
    pub weather_api: String,
    pub weather_key: Option<String>,
}

/// The course's `load(mode)`.
pub fn load(server: &Server) -> Settings {
    Settings {
        use_cached_data: server.cached(),
        time_scale: server.time_scale(),
        location_api: server.api("location"),
        sun_api: server.api("sun"),
        weather_api: server.api("weather"),
        weather_key: server.weather_key(),
    }
}
