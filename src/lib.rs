//! The `parcours` binary: command-line jobs, demo data, and the server.

mod caf_file;
pub mod cli;
pub mod demo;
mod demo_catalogue;
pub mod demo_people;
pub mod demo_story;
pub mod generate;
pub mod generated_catalogue;
mod import_files;
pub mod sending;
