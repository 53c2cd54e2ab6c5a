//! Finds or builds the otelctx C library and tells rustc how to link it.
//!
//! - `OTELCTX_DIR` set: a build tree (`build/default`, `build/optimized`) or
//!   an install prefix of otelctx; nothing is built.
//! - otherwise: builds this repository's C library with CMake into OUT_DIR;
//!   feature `lto` builds the optimized ThinLTO flavour with clang >= 19
//!   (`OTELCTX_CLANG`, `OTELCTX_LLD` choose the compiler and linker).
//!
//! Feature `lto` links the bitcode `libotelctx.a` statically; without it the
//! crate links `libotelctx.so`. Every failure is one line naming the fix.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

const SLOT: &str = "otel_thread_ctx_v1";

fn fail(message: &str) -> ! {
    eprintln!("error: otelctx build.rs: {message}");
    exit(1);
}

fn lto() -> bool {
    env::var_os("CARGO_FEATURE_LTO").is_some()
}

fn library_file() -> &'static str {
    if lto() {
        "libotelctx.a"
    } else {
        "libotelctx.so"
    }
}

/// The directory of OTELCTX_DIR (build tree or prefix) holding the library.
fn find_in(dir: &Path) -> PathBuf {
    let candidates = [dir.to_path_buf(), dir.join("lib"), dir.join("lib64"), dir.join("lib/x86_64-linux-gnu"),
                      dir.join("lib/aarch64-linux-gnu")];
    candidates
        .into_iter()
        .find(|d| d.join(library_file()).is_file())
        .unwrap_or_else(|| {
            fail(&format!(
                "OTELCTX_DIR={} has no {} (in it or its lib/): point it at an otelctx build tree or install prefix{}",
                dir.display(),
                library_file(),
                if lto() { " of ./build-optimized.sh" } else { "" }
            ))
        })
}

fn on_path(tool: &str) -> Option<PathBuf> {
    env::var_os("PATH").and_then(|paths| {
        env::split_paths(&paths).map(|d| d.join(tool)).find(|p| p.is_file())
    })
}

fn major_version(tool: &Path) -> Option<u32> {
    let out = Command::new(tool).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let at = text.find("version ")? + "version ".len();
    text[at..].split('.').next()?.trim().parse().ok()
}

/// clang >= 19 for the bitcode archive: OTELCTX_CLANG, else clang-19 and
/// newer versioned names, else clang.
fn find_clang() -> PathBuf {
    if let Some(clang) = env::var_os("OTELCTX_CLANG") {
        return PathBuf::from(clang);
    }
    let names = (19..=30).map(|v| format!("clang-{v}")).chain(["clang".to_string()]);
    for name in names {
        if let Some(path) = on_path(&name) {
            if major_version(&path).is_some_and(|v| v >= 19) {
                return path;
            }
        }
    }
    fail("feature lto needs clang >= 19 to build the bitcode archive: apt-get install clang-19 lld-19 llvm-19, \
          or run rust/cargo-lto, which installs them")
}

fn cmake_build(source: &Path) -> PathBuf {
    if on_path("cmake").is_none() {
        fail("cmake not found: apt-get install cmake, or set OTELCTX_DIR to a built otelctx");
    }
    let build = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("otelctx-build");
    let mut configure = Command::new("cmake");
    configure.arg("-S").arg(source).arg("-B").arg(&build)
        .args(["-DBUILD_TESTING=OFF", "-DOTELCTX_BENCHMARKS=OFF"]);
    if lto() {
        let clang = find_clang();
        configure.arg("-DOTELCTX_OPTIMIZED=ON").arg(format!("-DCMAKE_C_COMPILER={}", clang.display()));
        if let Some(lld) = env::var_os("OTELCTX_LLD") {
            configure.arg(format!("-DOTELCTX_LLD={}", PathBuf::from(lld).display()));
        }
    }
    run(&mut configure, &build);
    run(Command::new("cmake").arg("--build").arg(&build)
        .args(["--target", "otelctx", "otelctx_static", "otelctx-inspect", "-j"]), &build);
    build
}

fn run(command: &mut Command, build: &Path) {
    let out = command.output().unwrap_or_else(|e| fail(&format!("cannot run {command:?}: {e}")));
    if !out.status.success() {
        let log = build.with_extension("log");
        let _ = fs::write(&log, [out.stdout, out.stderr].concat());
        fail(&format!("building the C library failed (log: {}); ./build-optimized.sh or ./test.sh in the repository \
                       installs what it needs", log.display()));
    }
}

/// A ThinLTO archive holds LLVM bitcode members ("BC\xC0\xDE").
fn is_bitcode_archive(archive: &Path) -> bool {
    fs::read(archive).is_ok_and(|bytes| bytes.windows(4).any(|w| w == b"BC\xC0\xDE"))
}

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let repository = manifest.parent().expect("rust/ has a parent").to_path_buf();
    for var in ["OTELCTX_DIR", "OTELCTX_CLANG", "OTELCTX_LLD"] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let lib_dir = match env::var_os("OTELCTX_DIR") {
        Some(dir) => find_in(Path::new(&dir)),
        None => {
            if !repository.join("include/otelctx.h").is_file() {
                fail("the crate is not inside the otelctx repository: set OTELCTX_DIR to a built otelctx");
            }
            for part in ["src", "shim", "include", "cmake", "CMakeLists.txt"] {
                println!("cargo:rerun-if-changed={}", repository.join(part).display());
            }
            cmake_build(&repository)
        }
    };

    // Relink when the library is rebuilt.
    println!("cargo:rerun-if-changed={}", lib_dir.join(library_file()).display());
    if lto() {
        let archive = lib_dir.join("libotelctx.a");
        if !is_bitcode_archive(&archive) {
            fail(&format!("{} is not LLVM bitcode: feature lto needs the optimized build (./build-optimized.sh)",
                          archive.display()));
        }
        let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
        if !flags.split('\x1f').any(|f| f.contains("linker-plugin-lto")) {
            fail("feature lto needs -Clinker-plugin-lto, or the C code is never inlined: build with rust/cargo-lto");
        }
        // Not bundled into the rlib: the final link reads the bitcode itself.
        println!("cargo:rustc-link-lib=static:-bundle=otelctx");
        // Only this package's own tests and examples; a consumer's final
        // binary gets the export from rust/cargo-lto.
        println!("cargo:rustc-link-arg=-Wl,--export-dynamic-symbol={SLOT}");
    } else {
        println!("cargo:rustc-link-lib=dylib=otelctx");
        // Only this package's own tests and examples: cargo gives a
        // dependency's link arguments to no dependent. Dependents get the
        // directory as DEP_OTELCTX_LIB_DIR (links = "otelctx") for an rpath
        // of their own, which docs/rust.md shows.
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib_dir.display());
        if env::var_os("OTELCTX_DIR").is_none() {
            // Cargo shows it for path dependencies: the surprise it names is
            // a binary that runs under cargo run (which adds OUT_DIR's
            // library to LD_LIBRARY_PATH) and not as built.
            println!("cargo:warning=libotelctx.so is built into {}: binaries find it under cargo run/test only; \
                      give yours an rpath from DEP_OTELCTX_LIB_DIR, or install the library and set OTELCTX_DIR \
                      (docs/rust.md: How a binary finds libotelctx.so)", lib_dir.display());
        }
    }
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:lib_dir={}", lib_dir.display());
    println!("cargo:include={}", repository.join("include").display());
}
