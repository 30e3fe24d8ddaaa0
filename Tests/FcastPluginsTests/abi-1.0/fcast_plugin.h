/*
 * fcast_plugin.h — the one contract between fcast and its algorithm plugins.
 *
 * ABI version 1.0. A plugin is a shared library named libfcast_<name>.so that exports
 *
 *     const fc_library *fcast_<name>_plugin_entry(uint32_t host_abi_major,
 *                                                 uint32_t host_abi_minor,
 *                                                 const fc_host *host);
 *
 * or, under the generic name, fcast_plugin_entry (the host looks for the named one first).
 * The named entry lets several plugins be linked into one binary (tests, static builds).
 *
 * Rules (docs/plugins.md explains them with an example):
 *  - The host refuses a library whose abi_major differs from FC_ABI_MAJOR.
 *    Minor versions only ever append fields: every struct that crosses the boundary
 *    begins with its size, and a reader must not touch a field past that size.
 *  - The host owns every input and output buffer (series values, forecast mean and
 *    interval bounds, error messages). The plugin owns its configs and models and frees
 *    them through its own table. Nothing allocated on one side is freed on the other.
 *  - No C++ exception, Swift error or longjmp crosses the boundary: every fallible call
 *    returns an fc_status and, on failure, writes a message into the host's fc_error.
 *  - Strings are UTF-8 and NUL-terminated. Pointers handed to the plugin are valid only
 *    for the duration of the call, except the fc_host table, which lives for the process.
 *  - Everything the library returns from the entry point must stay valid for the
 *    life of the process: the host never unloads a plugin.
 *  - fit/predict/free on distinct models may be called concurrently from many threads
 *    when the algorithm sets FC_CAP_THREAD_SAFE; otherwise the host serialises all calls
 *    into that algorithm.
 */
#ifndef FCAST_PLUGIN_H
#define FCAST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FC_ABI_MAJOR 1
#define FC_ABI_MINOR 0

/* The generic name of the exported entry symbol; "fcast_" <name> "_plugin_entry" for a
   library file libfcast_<name>.so is looked for first. */
#define FC_ENTRY_SYMBOL "fcast_plugin_entry"

/* ---- status and errors ------------------------------------------------------------ */

typedef int32_t fc_status;
enum {
    FC_OK = 0,
    FC_ERR_INVALID_ARGUMENT = 1, /* a parameter value the algorithm cannot use          */
    FC_ERR_NOT_ENOUGH_DATA = 2,  /* series too short for this model                      */
    FC_ERR_BAD_DATA = 3,         /* missing values, non-finite values, wrong sign, ...   */
    FC_ERR_NUMERIC = 4,          /* the fit did not converge or became non-finite        */
    FC_ERR_UNSUPPORTED = 5,      /* the call is not supported by this algorithm          */
    FC_ERR_CANCELLED = 6,        /* the host asked to stop (fc_host.should_cancel)       */
    FC_ERR_BUFFER_TOO_SMALL = 7, /* fc_algorithm.save: call again with *needed bytes     */
    FC_ERR_INTERNAL = 8          /* a bug in the plugin                                 */
};

/* Written by the plugin on failure. The host owns `message` (capacity bytes, >= 256). */
typedef struct fc_error {
    uint32_t struct_size;
    fc_status status;
    char *message;
    uint32_t message_capacity;
} fc_error;

/* ---- capabilities ----------------------------------------------------------------- */

enum {
    FC_CAP_INTERVALS = 1u << 0,   /* predict fills lo/hi for any requested level          */
    FC_CAP_THREAD_SAFE = 1u << 1, /* concurrent calls on distinct models are safe         */
    FC_CAP_SAVE_LOAD = 1u << 2,   /* save/load are implemented                            */
    FC_CAP_EXOGENOUS = 1u << 3,   /* uses fc_series.x / fc_predict_request.x              */
    FC_CAP_GLOBAL = 1u << 4,      /* fit_global/predict_global: one model over many series */
    FC_CAP_FITTED = 1u << 5       /* fitted() gives in-sample one-step fitted values      */
};

/* ---- parameter schema ------------------------------------------------------------- */

typedef int32_t fc_param_type;
enum {
    FC_PARAM_INT = 1,       /* integer                                       */
    FC_PARAM_REAL = 2,      /* real number                                   */
    FC_PARAM_BOOL = 3,      /* true / false                                  */
    FC_PARAM_STRING = 4,    /* one of `choices`, or free text if choices NULL */
    FC_PARAM_INT_LIST = 5,  /* e.g. order: [p, d, q]                          */
    FC_PARAM_REAL_LIST = 6,
    FC_PARAM_JSON = 7       /* any value of the language (records, lists of records,
                               strings, numbers), passed as JSON text in string_value */
};

enum {
    FC_PARAM_REQUIRED = 1u << 0, /* the model cannot be built without it                */
    FC_PARAM_AUTO = 1u << 1      /* when not given, the plugin chooses (e.g. from data)   */
};

typedef struct fc_param_spec {
    uint32_t struct_size;
    const char *name;            /* the argument name in the language: "season"          */
    fc_param_type type;
    uint32_t flags;              /* FC_PARAM_*                                           */
    const char *default_text;    /* the default written as in the language ("12", "true",
                                    "\"aicc\"", "[0, 1, 1]"); NULL when required or auto */
    double min_value;            /* inclusive bounds for numbers and list elements;      */
    double max_value;            /* NaN means unbounded                                  */
    const char *const *choices;  /* NULL-terminated allowed strings, or NULL             */
    uint32_t list_length;        /* exact length of list values; 0 = any                 */
    const char *help;            /* one line                                             */
} fc_param_spec;

/* One parameter value handed to configure(), in schema order (values[i] is params[i]). */
typedef struct fc_param_value {
    uint32_t struct_size;
    const char *name;            /* same as the schema's name                            */
    fc_param_type type;
    int32_t is_set;              /* 0: not given, use the default or choose automatically */
    int64_t int_value;           /* FC_PARAM_INT, FC_PARAM_BOOL (0/1)                    */
    double real_value;           /* FC_PARAM_REAL                                        */
    const char *string_value;    /* FC_PARAM_STRING; FC_PARAM_JSON (JSON text)            */
    const double *list_values;   /* FC_PARAM_INT_LIST (integral values), FC_PARAM_REAL_LIST */
    size_t list_length;
} fc_param_value;

/* ---- data ------------------------------------------------------------------------- */

typedef int32_t fc_frequency_unit;
enum {
    FC_FREQ_SECOND = 1, FC_FREQ_MINUTE = 2, FC_FREQ_HOUR = 3, FC_FREQ_DAY = 4,
    FC_FREQ_WEEK = 5, FC_FREQ_MONTH = 6, FC_FREQ_QUARTER = 7, FC_FREQ_YEAR = 8
};

/* One series. All pointers are host-owned, read-only and point into the host's panel. */
typedef struct fc_series {
    uint32_t struct_size;
    const char *id;              /* unique_id, for messages                              */
    const double *y;             /* n values, oldest first; NaN marks a missing value     */
    const int64_t *ds;           /* n timestamps, seconds since 1970-01-01 UTC            */
    size_t n;
    fc_frequency_unit freq_unit; /* the data set's frequency: unit x step                 */
    int32_t freq_step;
    const double *x;             /* exogenous regressors, n x n_x row-major, or NULL     */
    size_t n_x;
} fc_series;

typedef struct fc_predict_request {
    uint32_t struct_size;
    size_t h;                    /* forecast horizon                                      */
    const int64_t *future_ds;    /* h timestamps after the series' last one               */
    const double *levels;        /* n_levels interval levels in percent, e.g. 80, 95      */
    size_t n_levels;
    uint64_t seed;               /* for simulation: the same seed gives the same output   */
    const double *x;             /* future regressors, h x n_x row-major, or NULL         */
    size_t n_x;
} fc_predict_request;

/* Host-owned output buffers, sized by the host from the request. */
typedef struct fc_forecast {
    uint32_t struct_size;
    double *mean;                /* h values                                              */
    double *lo;                  /* n_levels x h, level-major (lo[l*h + t]); NULL if no levels */
    double *hi;                  /* likewise                                              */
} fc_forecast;

/* ---- host services ---------------------------------------------------------------- */

enum { FC_LOG_DEBUG = 0, FC_LOG_INFO = 1, FC_LOG_WARN = 2, FC_LOG_ERROR = 3 };

/* Passed to the entry point; valid for the life of the process. A plugin never writes to
   stdout or stderr itself: it logs through `log`. */
typedef struct fc_host {
    uint32_t struct_size;
    uint32_t abi_major, abi_minor;
    const char *host_version;    /* e.g. "0.1.0" */
    void (*log)(int32_t level, const char *message);
    /* Long fits poll this; non-zero means stop and return FC_ERR_CANCELLED. */
    int32_t (*should_cancel)(void);
} fc_host;

/* ---- algorithms ------------------------------------------------------------------- */

typedef struct fc_algorithm fc_algorithm;

struct fc_algorithm {
    uint32_t struct_size;
    const char *name;            /* the function name in the language: "snaive"          */
    const char *summary;         /* one line                                              */
    uint64_t capabilities;       /* FC_CAP_*                                              */
    size_t n_params;
    const fc_param_spec *const *params;
    void *algorithm_data;        /* the plugin's own; the host never looks at it          */

    /* Build a model configuration from parameter values (one per schema entry, in order).
       Called once per model in a grid, before any fit. */
    fc_status (*configure)(const fc_algorithm *self, const fc_param_value *values,
                           size_t n_values, void **config_out, fc_error *err);
    void (*free_config)(void *config);

    /* Fit one series. */
    fc_status (*fit)(const void *config, const fc_series *series, void **model_out,
                     fc_error *err);
    /* Forecast from a fitted model into host buffers. */
    fc_status (*predict)(const void *model, const fc_predict_request *request,
                         fc_forecast *out, fc_error *err);
    void (*free_model)(void *model);

    /* A short description of the fitted model ("ARIMA(0,1,1)(0,1,1)[12]"), written into
       buf (NUL-terminated, truncated to cap). May be NULL: the host uses `name`. */
    void (*describe)(const void *model, char *buf, size_t cap);

    /* FC_CAP_FITTED: n in-sample fitted values (NaN where undefined). May be NULL. */
    fc_status (*fitted)(const void *model, double *out, size_t n, fc_error *err);

    /* FC_CAP_SAVE_LOAD: serialise a fitted model into buf. With buf too small (or NULL),
       set *needed and return FC_ERR_BUFFER_TOO_SMALL. load() rebuilds the model from the
       bytes under the same config. Both may be NULL. */
    fc_status (*save)(const void *model, uint8_t *buf, size_t cap, size_t *needed,
                      fc_error *err);
    fc_status (*load)(const void *config, const uint8_t *bytes, size_t len,
                      void **model_out, fc_error *err);

    /* FC_CAP_GLOBAL: one model fitted across many series, then forecast per series.
       Both may be NULL. */
    fc_status (*fit_global)(const void *config, const fc_series *series, size_t n_series,
                            void **model_out, fc_error *err);
    fc_status (*predict_global)(const void *model, const fc_series *series,
                                const fc_predict_request *request, fc_forecast *out,
                                fc_error *err);
};

typedef struct fc_library {
    uint32_t struct_size;
    uint32_t abi_major, abi_minor; /* the ABI the library was built against              */
    const char *name;              /* "naive"                                             */
    const char *version;           /* the library's own version, "1.0.0"                  */
    const char *description;
    size_t n_algorithms;
    const fc_algorithm *const *algorithms;
} fc_library;

/* The entry point's type. Returns NULL when the library cannot serve this host (it may
   log the reason through host->log). */
typedef const fc_library *(*fc_entry_fn)(uint32_t host_abi_major, uint32_t host_abi_minor,
                                         const fc_host *host);

#ifdef __cplusplus
}
#endif

#endif /* FCAST_PLUGIN_H */
