//! The report's charts, drawn by plotters into SVG strings.
//!
//! Titles and captions are the page's HTML; a chart carries its axes, their descriptions and
//! its marks. A chart that cannot be drawn gives an error message for the page instead.

use plotters::coord::ranged1d::{SegmentValue, SegmentedCoord};
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// Bars and their default colour.
pub(crate) const BLUE: RGBColor = RGBColor(66, 110, 168);
/// Negative weights.
pub(crate) const RED: RGBColor = RGBColor(196, 78, 66);
/// Positive weights.
pub(crate) const GREEN: RGBColor = RGBColor(62, 142, 90);
/// The threshold line.
const MARK: RGBColor = RGBColor(214, 64, 40);
const GRID: RGBColor = RGBColor(225, 228, 232);

const WIDTH: u32 = 760;
const FONT: u32 = 15;

/// Draws into an SVG of `size` and returns it, or the error as text.
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<SVGBackend, plotters::coord::Shift>) -> Drawn,
) -> std::result::Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(root.clone()).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The label area a list of labels needs, in pixels (plotters' own estimate of text width
/// is about 0.45 em per character; browsers' sans-serif is wider).
fn label_width(labels: &[String]) -> u32 {
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    (chars * FONT * 6 / 10 + 14).clamp(40, 320)
}

/// A short number: 1234567 -> "1.2M".
pub(crate) fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn label_of(labels: &[String], v: &SegmentValue<i32>) -> String {
    match v {
        SegmentValue::Exact(i) | SegmentValue::CenterOf(i) => usize::try_from(*i)
            .ok()
            .and_then(|i| labels.get(i))
            .cloned()
            .unwrap_or_default(),
        SegmentValue::Last => String::new(),
    }
}

/// The label of a row counted from the top (the first label is drawn highest).
fn label_from_top(labels: &[String], v: &SegmentValue<i32>) -> String {
    let n = labels.len() as i32;
    match v {
        SegmentValue::Exact(i) | SegmentValue::CenterOf(i) => {
            label_of(labels, &SegmentValue::Exact(n - 1 - i))
        }
        SegmentValue::Last => String::new(),
    }
}

/// `n` categories on a segmented axis: plotters' integer ranges include their end, so
/// `0..n - 1` gives `n` segments (and one category gets an empty second, as an empty range
/// draws no label).
fn categories(n: usize) -> SegmentedCoord<RangedCoordi32> {
    (0..(n as i32 - 1).max(1)).into_segmented()
}

/// Horizontal bars, one per label, each with its value written beside it; `colors` gives
/// each bar's colour (or all [`BLUE`] when empty). Values may be negative.
pub(crate) fn hbars(
    labels: &[String],
    values: &[f64],
    colors: &[RGBColor],
    value_desc: &str,
) -> std::result::Result<String, String> {
    let n = labels.len().min(values.len());
    let height = (n as u32 * 22 + 60).max(110);
    let lo = values.iter().copied().fold(0.0_f64, f64::min);
    let hi = values.iter().copied().fold(0.0_f64, f64::max);
    // Room for the value written past each bar's end.
    let span = (hi - lo).max(1e-9);
    let (lo, hi) = (
        if lo < 0.0 { lo - span * 0.14 } else { 0.0 },
        hi + span * 0.14,
    );
    svg((WIDTH, height), |root| {
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(16)
            .x_label_area_size(36)
            .y_label_area_size(label_width(labels))
            .build_cartesian_2d(lo..hi, categories(n))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .y_labels(n.max(1))
            .y_label_formatter(&|v| label_from_top(labels, v))
            .x_label_formatter(&|v| short(*v))
            .x_desc(value_desc)
            .label_style(("sans-serif", FONT))
            .draw()?;
        chart.draw_series((0..n).map(|i| {
            let color = colors.get(i).copied().unwrap_or(BLUE);
            let y = (n - 1 - i) as i32;
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(y)),
                    (values[i], SegmentValue::Exact(y + 1)),
                ],
                color.filled(),
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))?;
        let gap = (hi - lo) * 0.01;
        chart.draw_series((0..n).map(|i| {
            let v = values[i];
            let (x, anchor) = if v < 0.0 {
                (v - gap, HPos::Right)
            } else {
                (v + gap, HPos::Left)
            };
            Text::new(
                short(v),
                (x, SegmentValue::CenterOf((n - 1 - i) as i32)),
                ("sans-serif", FONT)
                    .into_font()
                    .into_text_style(&root)
                    .pos(Pos::new(anchor, VPos::Center)),
            )
        }))?;
        Ok(())
    })
}

/// Vertical bars over categories on a log scale of counts (a bar of 1 is still seen).
pub(crate) fn vbars_log(
    labels: &[String],
    counts: &[u64],
    label_desc: &str,
    count_desc: &str,
) -> std::result::Result<String, String> {
    let n = labels.len().min(counts.len());
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    svg((WIDTH, 300), |root| {
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(16)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(categories(n), (0.5..top * 2.0).log_scale())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .x_labels(n.max(1))
            .x_label_formatter(&|v| label_of(labels, v))
            .y_label_formatter(&|v| short(*v))
            .x_desc(label_desc)
            .y_desc(count_desc)
            .label_style(("sans-serif", FONT))
            .draw()?;
        chart.draw_series((0..n).filter(|&i| counts[i] > 0).map(|i| {
            let x = i as i32;
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(x), 0.5),
                    (SegmentValue::Exact(x + 1), counts[i] as f64),
                ],
                BLUE.filled(),
            );
            bar.set_margin(0, 0, 3, 3);
            bar
        }))?;
        Ok(())
    })
}

/// One histogram bin: `[lo, hi)` and its count.
pub(crate) type Bin = (f64, f64, u64);

/// Bins of `values` about one bit wide (wider when the range is long), spanning `mark` too.
pub(crate) fn bins(values: &[f32], mark: f64) -> Vec<Bin> {
    if values.is_empty() {
        return Vec::new();
    }
    let (mut lo, mut hi) = (mark, mark);
    for &v in values {
        lo = lo.min(f64::from(v));
        hi = hi.max(f64::from(v));
    }
    let lo = lo.floor();
    let hi = hi.floor() + 1.0;
    let width = ((hi - lo) / 80.0).ceil().max(1.0);
    let n = ((hi - lo) / width).ceil() as usize;
    let mut counts = vec![0u64; n];
    for &v in values {
        let i = ((f64::from(v) - lo) / width) as usize;
        counts[i.min(n - 1)] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let a = lo + i as f64 * width;
            (a, a + width, c)
        })
        .collect()
}

/// A histogram with counts on a log scale and a vertical line at `mark` labelled
/// `mark_label`.
pub(crate) fn histogram_log(
    bins: &[Bin],
    mark: f64,
    mark_label: &str,
    value_desc: &str,
) -> std::result::Result<String, String> {
    let lo = bins.first().map_or(mark - 1.0, |b| b.0).min(mark - 1.0);
    let hi = bins.last().map_or(mark + 1.0, |b| b.1).max(mark + 1.0);
    let top = bins.iter().map(|b| b.2).max().unwrap_or(1).max(1) as f64;
    svg((WIDTH, 320), |root| {
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(16)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(lo..hi, (0.5..top * 3.0).log_scale())?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .x_label_formatter(&|v| short(*v))
            .y_label_formatter(&|v| short(*v))
            .x_desc(value_desc)
            .y_desc("count (log scale)")
            .label_style(("sans-serif", FONT))
            .draw()?;
        chart.draw_series(bins.iter().filter(|b| b.2 > 0).map(|&(a, b, c)| {
            let mut bar = Rectangle::new([(a, 0.5), (b, c as f64)], BLUE.filled());
            bar.set_margin(0, 0, 1, 1);
            bar
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(mark, 0.5), (mark, top * 3.0)],
            MARK.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            mark_label.to_string(),
            (mark, top * 2.2),
            ("sans-serif", FONT)
                .into_font()
                .color(&MARK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
        Ok(())
    })
}

/// A waterfall: the prior, then each field's weight stacked on the running total, then the
/// score, with the threshold marked.
pub(crate) fn waterfall(
    steps: &[(String, f64)],
    threshold: f64,
) -> std::result::Result<String, String> {
    let n = steps.len() + 1;
    let mut total = 0.0;
    let mut spans = Vec::with_capacity(n);
    for (_, w) in steps {
        spans.push((total, total + w));
        total += w;
    }
    spans.push((0.0, total));
    let mut labels: Vec<String> = steps.iter().map(|s| s.0.clone()).collect();
    labels.push("score".to_string());
    let lo = spans
        .iter()
        .flat_map(|s| [s.0, s.1])
        .fold(threshold.min(0.0), f64::min);
    let hi = spans
        .iter()
        .flat_map(|s| [s.0, s.1])
        .fold(threshold.max(0.0), f64::max);
    let pad = (hi - lo).max(1.0) * 0.08;
    svg((WIDTH, 70 + n as u32 * 22), |root| {
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(16)
            .x_label_area_size(36)
            .y_label_area_size(label_width(&labels))
            .build_cartesian_2d(lo - pad..hi + pad, categories(n))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .max_light_lines(0)
            .bold_line_style(GRID)
            .y_labels(n)
            .y_label_formatter(&|v| label_from_top(&labels, v))
            .x_label_formatter(&|v| short(*v))
            .x_desc("log2 odds (bits)")
            .label_style(("sans-serif", FONT))
            .draw()?;
        chart.draw_series(spans.iter().enumerate().map(|(i, &(a, b))| {
            let color = if i + 1 == n {
                BLUE
            } else if b < a {
                RED
            } else {
                GREEN
            };
            let y = (n - 1 - i) as i32;
            let mut bar = Rectangle::new(
                [(a, SegmentValue::Exact(y)), (b, SegmentValue::Exact(y + 1))],
                color.filled(),
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (threshold, SegmentValue::Exact(0)),
                (threshold, SegmentValue::Last),
            ],
            MARK.stroke_width(2),
        )))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_text_elements() {
        let labels = vec!["phone".to_string(), "email".to_string()];
        let s = hbars(&labels, &[3.0, -1.5], &[], "bits").unwrap();
        assert!(s.starts_with("<svg"), "{s}");
        assert!(s.contains("<text") && s.contains("\nphone\n</text>"), "{s}");
        assert!(s.contains("<rect"));
        let s = vbars_log(&labels, &[1000, 1], "size", "customers").unwrap();
        assert!(s.contains("\nemail\n</text>"), "{s}");
        let b = bins(&[1.0, 1.5, 30.2, 12.0], 8.0);
        assert_eq!(b.iter().map(|b| b.2).sum::<u64>(), 4);
        assert_eq!(b[0].0, 1.0);
        let s = histogram_log(&b, 8.0, "threshold 8.00", "score").unwrap();
        assert!(s.contains("threshold 8.00"));
        let s = hbars(&["one".to_string()], &[5.0], &[], "x").unwrap();
        assert!(s.contains("\none\n</text>"), "{s}");
        let s = waterfall(&[("prior".into(), -10.0), ("phone".into(), 25.0)], 8.0).unwrap();
        assert!(s.contains("\nscore\n</text>"));
    }

    #[test]
    fn bins_cover_the_mark_and_stay_few() {
        assert!(bins(&[], 1.0).is_empty());
        let b = bins(&[0.0, 500.0], -3.5);
        assert!(b.len() <= 80);
        assert!(b[0].0 <= -3.5);
        assert_eq!(b.iter().map(|b| b.2).sum::<u64>(), 2);
        assert_eq!(short(1_234_567.0), "1.2M");
        assert_eq!(short(12.5), "12.50");
        assert_eq!(short(42.0), "42");
    }
}
