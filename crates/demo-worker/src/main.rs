//! The embedded demo's engine: `rapport-service`, the same code the reference server runs,
//! inside a Web Worker, so seeding and every request's work stay off the page's thread. The
//! organisation is saved in IndexedDB (workers have no localStorage). The page talks to it in the
//! messages of `rapport_service::messages`.

#[cfg(target_arch = "wasm32")]
mod worker;

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
