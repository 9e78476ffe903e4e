//! Input: streaming text for `classify` ([`lines`]), web pages as text ([`html`]),
//! and labelled CSV for `train`, `evaluate` and `cv` ([`labelled`]).

pub mod files;
pub mod html;
pub mod labelled;
pub mod lines;

pub use files::*;
pub use labelled::*;
pub use lines::*;
