//! The `parcours` binary: command-line jobs, demo data, and the server.

mod caf_file;
pub mod cli;
pub mod demo;
mod demo_catalogue;
mod demo_people;
mod demo_story;
pub mod generate;
pub mod generated_catalogue;
mod import_files;
