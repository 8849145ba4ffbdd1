//! Numbers for SVG attributes and labels. Core's float formatting (Grisu, Dragon4, the exact
//! fixed-precision path) and libm's trigonometry together are about a tenth of the wasm the page
//! downloads; drawing needs only a few fixed decimals and a sine, so these go through integer
//! formatting here and, in the browser, through JavaScript's `Math`, which costs nothing to
//! download. Natively (the tests) the same functions use Rust's own.

/// `v` with exactly `places` decimals (at most 6), rounded half away from zero; not-a-number
/// and infinities draw as 0.
pub fn fixed(v: f64, places: u32) -> String {
    let places = places.min(6);
    let scale = 10_i64.pow(places);
    let n = if v.is_finite() { (v * scale as f64).round().clamp(-9e15, 9e15) as i64 } else { 0 };
    let sign = if n < 0 { "-" } else { "" };
    let (whole, part) = (n.unsigned_abs() / scale as u64, n.unsigned_abs() % scale as u64);
    if places == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{part:0width$}", width = places as usize)
    }
}

/// One decimal: the precision of every coordinate the page draws.
pub fn px(v: f64) -> String {
    fixed(v, 1)
}

/// (sin, cos) of an angle in radians.
pub fn sin_cos(angle: f64) -> (f64, f64) {
    #[cfg(target_arch = "wasm32")]
    {
        (js_sys::Math::sin(angle), js_sys::Math::cos(angle))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        angle.sin_cos()
    }
}

/// 10 to the power `x` (the speed slider is logarithmic).
pub fn exp10(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Math::pow(10.0, x)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        10f64.powf(x)
    }
}

pub fn log10(x: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Math::log10(x)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        x.log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_decimals_match_rusts_own_formatting() {
        for v in [0.0, 1.0, -1.0, 0.05, 0.049, 12.345, -0.04, 123456.789, 1e-9, 99.95] {
            for places in 0..=4 {
                let ours = fixed(v, places);
                let std = format!("{v:.*}", places as usize);
                // Rust rounds the exact binary value half to even; ours rounds v·10^p half away
                // from zero: they may differ by one unit in the last place, never more.
                let (a, b): (f64, f64) = (ours.parse().unwrap(), std.parse().unwrap());
                assert!((a - b).abs() <= 1.01 / 10f64.powi(places as i32), "{v} at {places}: {ours} vs {std}");
                assert_eq!(ours.split('.').nth(1).map_or(0, str::len), places as usize, "{ours}");
            }
        }
        assert_eq!(fixed(-0.04, 1), "0.0", "no negative zero");
        assert_eq!(fixed(f64::NAN, 2), "0.00");
        assert_eq!(px(12.25), "12.3");
        let (s, c) = sin_cos(std::f64::consts::FRAC_PI_2);
        assert!((s - 1.0).abs() < 1e-12 && c.abs() < 1e-12);
        assert!((exp10(log10(0.02)) - 0.02).abs() < 1e-12);
    }
}
