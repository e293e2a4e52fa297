//! A progress bar on the terminal for long reads (nothing is drawn when stderr is not a
//! terminal, so scripts and CI logs stay clean).

use indicatif::{ProgressBar, ProgressStyle};
use yinqi_files::{Progress, ProgressUnit};

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new(label: &str) -> Bar {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:40}] {percent:>3}% {elapsed_precise} 预计剩余 {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(label.to_owned());
        Bar { bar }
    }

    pub fn update(&self, p: Progress) {
        if let Some(total) = p.total {
            self.bar.set_length(total);
        }
        self.bar.set_position(p.done);
        if p.unit == ProgressUnit::Rows && p.total.is_none() {
            self.bar.set_message(format!("已读 {} 行", p.done));
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
