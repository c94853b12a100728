// Practises ch04-asyncio/src/bin/async_scrape.rs (after ch04-asyncio/src/bin/sync_scrape.rs).
//
// `get_title_range` downloads ten episode pages, but it awaits each download before it starts the
// next one, as `sync_scrape` does: ten pages of 1 s each take 10 s. Make it start all ten first,
// then wait for them in episode order, so the whole range takes about as long as one page.
//
// The "download" is a 1 s `tokio::time::sleep`, so the tests can run it on tokio's paused clock:
// no real second passes, yet the tests read exactly how long the range took.

use std::time::Duration;

/// Stands in for an HTTP GET of one episode page that takes 1 s.
async fn get_html(episode_number: u32) -> String {
    println!("Getting HTML for episode {episode_number}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    format!("<h1>Episode {episode_number}</h1>")
}

fn get_title(html: &str) -> String {
    let start = html.find("<h1>").map_or(0, |i| i + "<h1>".len());
    let end = html.find("</h1>").unwrap_or(html.len());
    html[start..end].to_owned()
}

/// The titles of episodes 375–384, in episode order.
async fn get_title_range() -> Vec<String> {
    let mut titles = Vec::new();
    // TODO: start every download before awaiting any. `tokio::spawn(get_html(n))` starts one and
    // returns its `JoinHandle`; collect the handles first, then `.await` each in order.
    for n in 375..=384 {
        let html = get_html(n).await;
        titles.push(get_title(&html));
    }
    titles
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t0 = tokio::time::Instant::now();
    for title in get_title_range().await {
        println!("Title found: {title}");
    }
    println!("Done in {:.2} sec.", t0.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    // The paused clock: tokio's time stands still until every task is waiting, then jumps to the
    // next timer. Elapsed time is exact, and the test takes no real second.
    #[tokio::test(start_paused = true)]
    async fn ten_downloads_of_one_second_finish_in_one_second() {
        let t0 = Instant::now();
        let titles = get_title_range().await;
        let took = t0.elapsed();
        assert_eq!(titles.len(), 10);
        assert!(
            took < Duration::from_secs(2),
            "ten 1 s downloads took {took:?}: one after another, not all at once"
        );
    }

    #[test]
    fn the_title_is_the_text_of_the_h1() {
        assert_eq!(get_title("<p>x</p><h1>Episode 1</h1>"), "Episode 1");
    }

    #[tokio::test(start_paused = true)]
    async fn titles_come_back_in_episode_order() {
        let expected: Vec<String> = (375..=384).map(|n| format!("Episode {n}")).collect();
        assert_eq!(get_title_range().await, expected);
    }
}
