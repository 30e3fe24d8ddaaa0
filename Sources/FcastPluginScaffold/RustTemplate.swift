// The Cargo project `fcast plugin new NAME --lang rust` writes: no crates (it builds
// offline), the C types of fcast_plugin.h written out by hand in src/ffi.rs.
enum RustTemplate {
    static let cargo = #"""
[package]
name = "fcast___NAME__"
version = "0.1.0"
edition = "2021"

# libfcast___NAME__.so: cargo names a cdylib lib<name>.so.
[lib]
name = "fcast___NAME__"
crate-type = ["cdylib"]

[profile.release]
panic = "abort"
"""#

    static let ffi = #"""
//! The C types of fcast_plugin.h (ABI 1.1), written out by hand: no bindgen, no crates.
//! Field order and types follow the header exactly; the sizes are asserted at the bottom
//! (x86_64 / aarch64 Linux). A new minor ABI only appends fields.
#![allow(non_camel_case_types, dead_code)]
use std::os::raw::{c_char, c_void};

pub const FC_ABI_MAJOR: u32 = 1;
pub const FC_ABI_MINOR: u32 = 1;

pub type fc_status = i32;
pub const FC_OK: fc_status = 0;
pub const FC_ERR_INVALID_ARGUMENT: fc_status = 1;
pub const FC_ERR_NOT_ENOUGH_DATA: fc_status = 2;
pub const FC_ERR_BAD_DATA: fc_status = 3;
pub const FC_ERR_NUMERIC: fc_status = 4;
pub const FC_ERR_UNSUPPORTED: fc_status = 5;
pub const FC_ERR_CANCELLED: fc_status = 6;
pub const FC_ERR_BUFFER_TOO_SMALL: fc_status = 7;
pub const FC_ERR_INTERNAL: fc_status = 8;

pub const FC_CAP_INTERVALS: u64 = 1 << 0;
pub const FC_CAP_THREAD_SAFE: u64 = 1 << 1;
pub const FC_CAP_SAVE_LOAD: u64 = 1 << 2;
pub const FC_CAP_EXOGENOUS: u64 = 1 << 3;
pub const FC_CAP_GLOBAL: u64 = 1 << 4;
pub const FC_CAP_FITTED: u64 = 1 << 5;

pub const FC_PARAM_INT: i32 = 1;
pub const FC_PARAM_REAL: i32 = 2;
pub const FC_PARAM_BOOL: i32 = 3;
pub const FC_PARAM_STRING: i32 = 4;
pub const FC_PARAM_INT_LIST: i32 = 5;
pub const FC_PARAM_REAL_LIST: i32 = 6;
pub const FC_PARAM_JSON: i32 = 7;
pub const FC_PARAM_REQUIRED: u32 = 1 << 0;
pub const FC_PARAM_AUTO: u32 = 1 << 1;

pub const FC_LOG_ERROR: i32 = 3;

#[repr(C)]
pub struct fc_error {
    pub struct_size: u32,
    pub status: fc_status,
    pub message: *mut c_char,
    pub message_capacity: u32,
}

#[repr(C)]
pub struct fc_param_spec {
    pub struct_size: u32,
    pub name: *const c_char,
    pub type_: i32,
    pub flags: u32,
    pub default_text: *const c_char,
    pub min_value: f64,
    pub max_value: f64,
    pub choices: *const *const c_char,
    pub list_length: u32,
    pub help: *const c_char,
}

#[repr(C)]
pub struct fc_param_value {
    pub struct_size: u32,
    pub name: *const c_char,
    pub type_: i32,
    pub is_set: i32,
    pub int_value: i64,
    pub real_value: f64,
    pub string_value: *const c_char,
    pub list_values: *const f64,
    pub list_length: usize,
}

#[repr(C)]
pub struct fc_series {
    pub struct_size: u32,
    pub id: *const c_char,
    pub y: *const f64,
    pub ds: *const i64,
    pub n: usize,
    pub freq_unit: i32,
    pub freq_step: i32,
    pub x: *const f64,
    pub n_x: usize,
    pub freq_anchor: i32,          // (1.1)
    pub call_context: *mut c_void, // (1.1)
}

#[repr(C)]
pub struct fc_predict_request {
    pub struct_size: u32,
    pub h: usize,
    pub future_ds: *const i64,
    pub levels: *const f64,
    pub n_levels: usize,
    pub seed: u64,
    pub x: *const f64,
    pub n_x: usize,
    pub call_context: *mut c_void, // (1.1)
}

#[repr(C)]
pub struct fc_forecast {
    pub struct_size: u32,
    pub mean: *mut f64,
    pub lo: *mut f64,
    pub hi: *mut f64,
}

#[repr(C)]
pub struct fc_host {
    pub struct_size: u32,
    pub abi_major: u32,
    pub abi_minor: u32,
    pub host_version: *const c_char,
    pub log: Option<unsafe extern "C" fn(i32, *const c_char)>,
    pub should_cancel: Option<unsafe extern "C" fn() -> i32>,
    pub context: *mut c_void,                                                   // (1.1)
    pub should_cancel_ctx: Option<unsafe extern "C" fn(*mut c_void) -> i32>,    // (1.1)
    pub log_ctx: Option<unsafe extern "C" fn(*mut c_void, i32, *const c_char)>, // (1.1)
    pub get_extension: Option<unsafe extern "C" fn(*mut c_void, *const c_char) -> *const c_void>, // (1.1)
}

pub type ConfigureFn = unsafe extern "C" fn(*const fc_algorithm, *const fc_param_value, usize, *mut *mut c_void, *mut fc_error) -> fc_status;
pub type FitFn = unsafe extern "C" fn(*const c_void, *const fc_series, *mut *mut c_void, *mut fc_error) -> fc_status;
pub type PredictFn = unsafe extern "C" fn(*const c_void, *const fc_predict_request, *mut fc_forecast, *mut fc_error) -> fc_status;
pub type FreeFn = unsafe extern "C" fn(*mut c_void);
pub type DescribeFn = unsafe extern "C" fn(*const c_void, *mut c_char, usize);
pub type FittedFn = unsafe extern "C" fn(*const c_void, *mut f64, usize, *mut fc_error) -> fc_status;
pub type SaveFn = unsafe extern "C" fn(*const c_void, *mut u8, usize, *mut usize, *mut fc_error) -> fc_status;
pub type LoadFn = unsafe extern "C" fn(*const c_void, *const u8, usize, *mut *mut c_void, *mut fc_error) -> fc_status;
pub type FitGlobalFn = unsafe extern "C" fn(*const c_void, *const fc_series, usize, *mut *mut c_void, *mut fc_error) -> fc_status;
pub type PredictGlobalFn = unsafe extern "C" fn(*const c_void, *const fc_series, *const fc_predict_request, *mut fc_forecast, *mut fc_error) -> fc_status;

#[repr(C)]
pub struct fc_algorithm {
    pub struct_size: u32,
    pub name: *const c_char,
    pub summary: *const c_char,
    pub capabilities: u64,
    pub n_params: usize,
    pub params: *const *const fc_param_spec,
    pub algorithm_data: *mut c_void,
    pub configure: Option<ConfigureFn>,
    pub free_config: Option<FreeFn>,
    pub fit: Option<FitFn>,
    pub predict: Option<PredictFn>,
    pub free_model: Option<FreeFn>,
    pub describe: Option<DescribeFn>,
    pub fitted: Option<FittedFn>,
    pub save: Option<SaveFn>,
    pub load: Option<LoadFn>,
    pub fit_global: Option<FitGlobalFn>,
    pub predict_global: Option<PredictGlobalFn>,
}

#[repr(C)]
pub struct fc_library {
    pub struct_size: u32,
    pub abi_major: u32,
    pub abi_minor: u32,
    pub name: *const c_char,
    pub version: *const c_char,
    pub description: *const c_char,
    pub n_algorithms: usize,
    pub algorithms: *const *const fc_algorithm,
    pub get_extension: Option<unsafe extern "C" fn(*const c_char) -> *const c_void>, // (1.1)
}

// The tables are immutable statics holding raw pointers to other statics.
unsafe impl Sync for fc_param_spec {}
unsafe impl Sync for fc_algorithm {}
unsafe impl Sync for fc_library {}

/// A static array of pointers to statics.
#[repr(transparent)]
pub struct Table<T: 'static, const N: usize>(pub [&'static T; N]);
unsafe impl<T, const N: usize> Sync for Table<T, N> {}

// sizeof in fcast_plugin.h on 64-bit Linux.
const _: () = assert!(std::mem::size_of::<fc_error>() == 24);
const _: () = assert!(std::mem::size_of::<fc_param_spec>() == 72);
const _: () = assert!(std::mem::size_of::<fc_param_value>() == 64);
const _: () = assert!(std::mem::size_of::<fc_series>() == 80);
const _: () = assert!(std::mem::size_of::<fc_predict_request>() == 72);
const _: () = assert!(std::mem::size_of::<fc_forecast>() == 32);
const _: () = assert!(std::mem::size_of::<fc_host>() == 72);
const _: () = assert!(std::mem::size_of::<fc_algorithm>() == 144);
const _: () = assert!(std::mem::size_of::<fc_library>() == 64);
"""#

    static let lib = #"""
//! libfcast___NAME__.so: an fcast algorithm plugin in Rust, written by `fcast plugin new`.
//!
//! The algorithm `__NAME__` is a starting point to replace with your own: the naive forecast
//! (every forecast is the last observation) with Gaussian intervals whose width grows with
//! the square root of the horizon. No panic crosses into fcast: every entry point catches
//! them (and release builds abort instead of unwinding).
mod ffi;
use ffi::*;
use std::os::raw::{c_char, c_void};
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicPtr, Ordering};

static HOST: AtomicPtr<fc_host> = AtomicPtr::new(std::ptr::null_mut());

struct Config {
    scale: f64,
}
struct Model {
    last: f64,
    sigma: f64,
}

unsafe fn fail(err: *mut fc_error, status: fc_status, message: &str) -> fc_status {
    if let Some(err) = err.as_mut() {
        err.status = status;
        if !err.message.is_null() && err.message_capacity > 0 {
            let n = message.len().min(err.message_capacity as usize - 1);
            std::ptr::copy_nonoverlapping(message.as_ptr(), err.message as *mut u8, n);
            *err.message.add(n) = 0;
        }
    }
    status
}

/// Whether the host asked the running call to stop.
unsafe fn cancelled(call_context: *mut c_void) -> bool {
    let host = HOST.load(Ordering::Acquire);
    let Some(host) = host.as_ref() else { return false };
    if host.struct_size as usize >= std::mem::offset_of!(fc_host, should_cancel_ctx) + 8 {
        if let Some(f) = host.should_cancel_ctx {
            return f(if call_context.is_null() { host.context } else { call_context }) != 0;
        }
    }
    host.should_cancel.map_or(false, |f| f() != 0)
}

unsafe extern "C" fn configure(_: *const fc_algorithm, values: *const fc_param_value, n: usize,
                               out: *mut *mut c_void, err: *mut fc_error) -> fc_status {
    let mut scale = 1.0;
    for i in 0..n {
        let v = &*values.add(i);
        if v.is_set != 0 && std::ffi::CStr::from_ptr(v.name).to_bytes() == b"scale" {
            scale = v.real_value;
        }
    }
    if !(scale > 0.0 && scale.is_finite()) {
        return fail(err, FC_ERR_INVALID_ARGUMENT, "'scale' must be a positive number");
    }
    *out = Box::into_raw(Box::new(Config { scale })) as *mut c_void;
    FC_OK
}

unsafe extern "C" fn free_config(config: *mut c_void) {
    if !config.is_null() {
        drop(Box::from_raw(config as *mut Config));
    }
}

unsafe extern "C" fn fit(config: *const c_void, s: *const fc_series, out: *mut *mut c_void,
                         err: *mut fc_error) -> fc_status {
    let result = catch_unwind(|| unsafe {
        let config = &*(config as *const Config);
        let s = &*s;
        let ctx = if s.struct_size as usize >= std::mem::size_of::<fc_series>() { s.call_context } else { std::ptr::null_mut() };
        let id = if s.id.is_null() { "?".into() } else { std::ffi::CStr::from_ptr(s.id).to_string_lossy() };
        if s.n < 2 {
            return Err((FC_ERR_NOT_ENOUGH_DATA, format!("__NAME__ needs at least 2 points; series {} has {}", id, s.n)));
        }
        let y = std::slice::from_raw_parts(s.y, s.n);
        if let Some(i) = y.iter().position(|v| !v.is_finite()) {
            return Err((FC_ERR_BAD_DATA, format!("__NAME__ needs complete data; series {} has a missing or infinite value at {}", id, i + 1)));
        }
        let (mut sum, mut sum2) = (0.0, 0.0);
        for i in 1..y.len() {
            if i % 4096 == 1 && cancelled(ctx) {
                return Err((FC_ERR_CANCELLED, "cancelled".to_string()));
            }
            let d = y[i] - y[i - 1];
            sum += d;
            sum2 += d * d;
        }
        let m = (y.len() - 1) as f64;
        let var = (sum2 / m - (sum / m) * (sum / m)).max(0.0);
        let sigma = config.scale * var.sqrt();
        if !sigma.is_finite() {
            return Err((FC_ERR_NUMERIC, format!("series {}: the spread of its changes overflows", id)));
        }
        Ok(Model { last: y[y.len() - 1], sigma })
    });
    match result {
        Ok(Ok(model)) => {
            *out = Box::into_raw(Box::new(model)) as *mut c_void;
            FC_OK
        }
        Ok(Err((status, message))) => fail(err, status, &message),
        Err(_) => fail(err, FC_ERR_INTERNAL, "__NAME__ panicked in fit"),
    }
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
    const B: [f64; 5] = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                         6.680131188771972e+01, -1.328068155288572e+01];
    const C: [f64; 6] = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
    const D: [f64; 4] = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                         3.754408661907416e+00];
    if p < 0.02425 {
        let q = (-2.0 * p.ln()).sqrt();
        return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0);
    }
    if p > 1.0 - 0.02425 {
        return -normal_quantile(1.0 - p);
    }
    let q = p - 0.5;
    let r = q * q;
    (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
        / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
}

unsafe extern "C" fn predict(model: *const c_void, req: *const fc_predict_request, out: *mut fc_forecast,
                             _err: *mut fc_error) -> fc_status {
    let m = &*(model as *const Model);
    let (req, out) = (&*req, &mut *out);
    let h = req.h;
    for t in 0..h {
        *out.mean.add(t) = m.last;
    }
    if req.n_levels > 0 && !out.lo.is_null() && !out.hi.is_null() {
        let levels = std::slice::from_raw_parts(req.levels, req.n_levels);
        for (l, level) in levels.iter().enumerate() {
            let z = normal_quantile(0.5 + level / 200.0);
            for t in 0..h {
                let half = z * m.sigma * ((t + 1) as f64).sqrt();
                *out.lo.add(l * h + t) = m.last - half;
                *out.hi.add(l * h + t) = m.last + half;
            }
        }
    }
    FC_OK
}

unsafe extern "C" fn free_model(model: *mut c_void) {
    if !model.is_null() {
        drop(Box::from_raw(model as *mut Model));
    }
}

unsafe extern "C" fn save(model: *const c_void, buf: *mut u8, cap: usize, needed: *mut usize,
                          _err: *mut fc_error) -> fc_status {
    let m = &*(model as *const Model);
    *needed = 16;
    if buf.is_null() || cap < 16 {
        return FC_ERR_BUFFER_TOO_SMALL;
    }
    let bytes = [m.last.to_le_bytes(), m.sigma.to_le_bytes()].concat();
    std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf, 16);
    FC_OK
}

unsafe extern "C" fn load(_config: *const c_void, bytes: *const u8, len: usize, out: *mut *mut c_void,
                          err: *mut fc_error) -> fc_status {
    if bytes.is_null() || len != 16 {
        return fail(err, FC_ERR_BAD_DATA, &format!("a saved __NAME__ model has 16 bytes, not {}", len));
    }
    let b = std::slice::from_raw_parts(bytes, 16);
    let last = f64::from_le_bytes(b[0..8].try_into().unwrap());
    let sigma = f64::from_le_bytes(b[8..16].try_into().unwrap());
    *out = Box::into_raw(Box::new(Model { last, sigma })) as *mut c_void;
    FC_OK
}

static SCALE: fc_param_spec = fc_param_spec {
    struct_size: std::mem::size_of::<fc_param_spec>() as u32,
    name: c"scale".as_ptr(),
    type_: FC_PARAM_REAL,
    flags: 0,
    default_text: c"1".as_ptr(),
    min_value: 0.001,
    max_value: 1000.0,
    choices: std::ptr::null(),
    list_length: 0,
    help: c"multiplies the width of the prediction intervals".as_ptr(),
};
static PARAMS: Table<fc_param_spec, 1> = Table([&SCALE]);

static ALGORITHM: fc_algorithm = fc_algorithm {
    struct_size: std::mem::size_of::<fc_algorithm>() as u32,
    name: c"__NAME__".as_ptr(),
    summary: c"Naive forecast with sqrt(h) Gaussian intervals (a template: replace with your algorithm)".as_ptr(),
    capabilities: FC_CAP_INTERVALS | FC_CAP_THREAD_SAFE | FC_CAP_SAVE_LOAD,
    n_params: 1,
    params: &PARAMS as *const Table<fc_param_spec, 1> as *const *const fc_param_spec,
    algorithm_data: std::ptr::null_mut(),
    configure: Some(configure),
    free_config: Some(free_config),
    fit: Some(fit),
    predict: Some(predict),
    free_model: Some(free_model),
    describe: None,
    fitted: None,
    save: Some(save),
    load: Some(load),
    fit_global: None,
    predict_global: None,
};
static ALGORITHMS: Table<fc_algorithm, 1> = Table([&ALGORITHM]);

static LIBRARY: fc_library = fc_library {
    struct_size: std::mem::size_of::<fc_library>() as u32,
    abi_major: FC_ABI_MAJOR,
    abi_minor: FC_ABI_MINOR,
    name: c"__NAME__".as_ptr(),
    version: c"0.1.0".as_ptr(),
    description: c"__NAME__: an fcast plugin in Rust".as_ptr(),
    n_algorithms: 1,
    algorithms: &ALGORITHMS as *const Table<fc_algorithm, 1> as *const *const fc_algorithm,
    get_extension: None,
};

/// The entry point fcast looks for in libfcast___NAME__.so.
#[no_mangle]
pub unsafe extern "C" fn fcast___NAME___plugin_entry(host_major: u32, _host_minor: u32,
                                                     host: *const fc_host) -> *const fc_library {
    HOST.store(host as *mut fc_host, Ordering::Release);
    if host_major != FC_ABI_MAJOR {
        if let Some(log) = host.as_ref().and_then(|h| h.log) {
            log(FC_LOG_ERROR, c"__NAME__: built for another major version of the fcast plugin ABI".as_ptr());
        }
        return std::ptr::null();
    }
    &LIBRARY
}

#[allow(dead_code)]
fn _unused(_: *const c_char) {}
"""#

    static let readme = #"""
# __NAME__: an fcast plugin in Rust

Written by `fcast plugin new __NAME__ --lang rust`. `src/lib.rs` is a complete algorithm (a naive
forecast with intervals) to replace with your own. `src/ffi.rs` holds the C types of
fcast_plugin.h written out by hand (no bindgen, no crates: it builds offline), with their
sizes asserted at compile time; the installed header (`pkg-config --cflags fcast-plugin`) is the
reference when fcast's ABI gains a minor version.

```
cargo build --release                                   # target/release/libfcast___NAME__.so
fcast plugin check target/release/libfcast___NAME__.so  # must say PASSED
install -D target/release/libfcast___NAME__.so ~/.local/lib/fcast/plugins/libfcast___NAME__.so
```

Use it without installing: `FCAST_PLUGIN_PATH=$PWD/target/release fcast`, then
`forecast(data, models: [__NAME__()], horizon: 12)`.
"""#
}
