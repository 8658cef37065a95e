//! Quartiles and Tukey fences, computed as Cardinal computes them (with `statrs`'
//! `OrderStatistics`: the R-8, median-unbiased, quantile estimator).

/// The first and third quartiles of `values`, or `None` if there are none.
pub fn quartiles(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some((quantile(&sorted, 0.25), quantile(&sorted, 0.75)))
}

/// `Q1 - 1.5 IQR`, with the quartiles.
pub fn lower_fence(values: &[f64]) -> Option<Fence> {
    quartiles(values).map(|(q1, q3)| Fence { q1, q3, fence: (q3 - q1).mul_add(-1.5, q1) })
}

/// `Q3 + 1.5 IQR`, with the quartiles.
pub fn upper_fence(values: &[f64]) -> Option<Fence> {
    quartiles(values).map(|(q1, q3)| Fence { q1, q3, fence: (q3 - q1).mul_add(1.5, q3) })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fence {
    pub q1: f64,
    pub q3: f64,
    pub fence: f64,
}

/// statrs' `quantile` on sorted data: `h = (n + 1/3) tau + 1/3`, interpolating between the
/// `floor(h)`-th and the next order statistic.
fn quantile(sorted: &[f64], tau: f64) -> f64 {
    let n = sorted.len();
    let h = (n as f64 + 1.0 / 3.0) * tau + 1.0 / 3.0;
    let hf = h as i64;
    if hf <= 0 || tau == 0.0 {
        return sorted[0];
    }
    if hf >= n as i64 || tau == 1.0 {
        return sorted[n - 1];
    }
    let a = sorted[(hf as usize).saturating_sub(1)];
    let b = sorted[hf as usize];
    a + (h - hf as f64) * (b - a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_is_both_quartiles() {
        assert_eq!(quartiles(&[0.5]), Some((0.5, 0.5)));
        assert_eq!(quartiles(&[]), None);
    }

    #[test]
    fn r8_estimates() {
        // Cardinal's R024 fixture: two zeros and seven hundreds.
        let values = [0.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 0.0];
        let (q1, q3) = quartiles(&values).unwrap();
        assert!((q1 - 200.0 / 3.0).abs() < 1e-9, "{q1}");
        assert_eq!(q3, 100.0);
        // Cardinal's R058 fixture: one hundred and four zeros.
        let fence = upper_fence(&[100.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
        assert_eq!(fence.q1, 0.0);
        assert!((fence.q3 - 100.0 / 3.0).abs() < 1e-9);
        assert!((fence.fence - 250.0 / 3.0).abs() < 1e-9);
        // R's quantile(type = 8) gives 1 5/12 and 3 7/12 for 1..=4, whatever the input order.
        let (q1, q3) = quartiles(&[4.0, 3.0, 2.0, 1.0]).unwrap();
        assert!((q1 - (1.0 + 5.0 / 12.0)).abs() < 1e-12, "{q1}");
        assert!((q3 - (3.0 + 7.0 / 12.0)).abs() < 1e-12, "{q3}");
    }

    #[test]
    fn fences() {
        let fence = lower_fence(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert!((fence.fence - (fence.q1 - 1.5 * (fence.q3 - fence.q1))).abs() < 1e-12);
    }
}
