//! A token bucket: at most `burst` calls at once, then `rate` a second.

use tokio::sync::Mutex;
use tokio::time::{Duration, Instant};

pub(crate) struct Bucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

/// With `tokens` left `elapsed` ago: `Ok(tokens left after taking one)`, or
/// `Err((tokens now, how long until one is there))`.
fn step(rate: f64, burst: f64, tokens: f64, elapsed: Duration) -> Result<f64, (f64, Duration)> {
    let tokens = (tokens + elapsed.as_secs_f64() * rate).min(burst);
    if tokens >= 1.0 {
        Ok(tokens - 1.0)
    } else {
        Err((tokens, Duration::from_secs_f64((1.0 - tokens) / rate)))
    }
}

impl Bucket {
    pub(crate) fn new(rate: f64, burst: f64) -> Bucket {
        Bucket {
            rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Waits until a call is allowed, and takes it.
    pub(crate) async fn take(&self) {
        let mut state = self.state.lock().await;
        loop {
            let now = Instant::now();
            let (tokens, last) = *state;
            match step(self.rate, self.burst, tokens, now.duration_since(last)) {
                Ok(left) => {
                    *state = (left, now);
                    return;
                }
                Err((tokens, wait)) => {
                    *state = (tokens, now);
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_is_free_then_the_rate_holds() {
        let mut tokens = 30.0;
        for _ in 0..30 {
            tokens = step(10.0, 30.0, tokens, Duration::ZERO).unwrap();
        }
        let (left, wait) = step(10.0, 30.0, tokens, Duration::ZERO).unwrap_err();
        assert_eq!(left, 0.0);
        assert_eq!(wait, Duration::from_millis(100));
        // A tenth of a second later, one call; never more than the burst.
        assert!(step(10.0, 30.0, 0.0, Duration::from_millis(100)).is_ok());
        assert_eq!(step(10.0, 30.0, 0.0, Duration::from_secs(3600)), Ok(29.0));
    }
}
