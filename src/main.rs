/// See Cargo.toml: bounded memory under concurrent load, less CPU per page.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    parcours::cli::main()
}
