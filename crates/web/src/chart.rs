//! Horizontal bar charts drawn on the server as SVG (no chart library in
//! the browser), always next to the table that holds their figures for
//! screen readers (`templates/chart.html`).

/// One bar: its label, its length and the figure written after it.
pub struct Bar {
    pub y: usize,
    pub width: usize,
    pub label: String,
    pub figure: String,
}

/// A chart: its title (the SVG's accessible name) and bars.
pub struct Chart {
    pub id: String,
    pub title: String,
    pub bars: Vec<Bar>,
    /// What the rows are, heading the first column of its table.
    pub rows_heading: &'static str,
}

const BAR_STEP: usize = 22;
/// The longest bar, in SVG units (labels take the first 280).
const BAR_WIDTH: usize = 360;

impl Chart {
    /// Bars as long as each value's share of the largest; `figure` is the
    /// value as written after its bar.
    pub fn of(
        id: &str,
        title: impl Into<String>,
        rows: impl IntoIterator<Item = (String, i64, String)>,
    ) -> Chart {
        let rows: Vec<(String, i64, String)> = rows.into_iter().collect();
        let largest = rows.iter().map(|(_, v, _)| *v).max().unwrap_or(0).max(1);
        Chart {
            id: id.to_owned(),
            title: title.into(),
            rows_heading: "",
            bars: rows
                .into_iter()
                .enumerate()
                .map(|(i, (label, value, figure))| Bar {
                    y: 4 + i * BAR_STEP,
                    width: (value.max(0) as usize) * BAR_WIDTH / largest as usize,
                    label,
                    figure,
                })
                .collect(),
        }
    }

    /// The same, its table's rows headed `heading`.
    pub fn headed(self, heading: &'static str) -> Chart {
        Chart {
            rows_heading: heading,
            ..self
        }
    }

    /// The SVG's height.
    pub fn height(&self) -> usize {
        self.bars.len() * BAR_STEP + 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_as_long_as_their_share_of_the_largest() {
        let chart = Chart::of(
            "c",
            "Titre",
            [
                ("a".to_owned(), 50, "50".to_owned()),
                ("b".to_owned(), 100, "100".to_owned()),
                ("c".to_owned(), 0, "0".to_owned()),
            ],
        );
        let widths: Vec<usize> = chart.bars.iter().map(|b| b.width).collect();
        assert_eq!(widths, [180, 360, 0]);
        assert_eq!(chart.bars[1].y, 4 + BAR_STEP);
        assert_eq!(chart.height(), 3 * BAR_STEP + 8);
        let empty = Chart::of("e", "Vide", Vec::new());
        assert!(empty.bars.is_empty());
    }
}
