// The C project `fcast plugin new NAME --lang c` writes. __NAME__ is replaced by the name.
enum CTemplate {
    static let source = #"""
/*
 * libfcast___NAME__.so: an fcast algorithm plugin in plain C, written by `fcast plugin new`.
 *
 * The algorithm `__NAME__` is a starting point to replace with your own: the naive forecast
 * (every forecast is the last observation) with Gaussian intervals whose width grows with the
 * square root of the horizon, sigma being the standard deviation of the one-step changes.
 * It shows every part of the ABI a plugin usually needs: a parameter, clean errors for bad
 * input, intervals, save/load, thread safety and cancellation. fcast_plugin.h is the contract.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcast_plugin.h>

static const fc_host *host;

typedef struct { double scale; } config_t;                       /* one grid entry        */
typedef struct { double last, sigma; size_t n; } model_t;       /* one fitted series     */

/* Writes a message into the host's buffer and returns the status. */
static fc_status fail(fc_error *err, fc_status status, const char *format, ...) {
    if (err && err->message && err->message_capacity > 0) {
        va_list ap;
        va_start(ap, format);
        vsnprintf(err->message, err->message_capacity, format, ap);
        va_end(ap);
    }
    if (err) err->status = status;
    return status;
}

/* Non-zero when the host asked the running call to stop (ABI 1.1 host, or 1.0 fallback). */
static int cancelled(void *call_context) {
    if (!host) return 0;
    if (FC_HAS_FIELD(host, fc_host, should_cancel_ctx) && host->should_cancel_ctx)
        return host->should_cancel_ctx(call_context ? call_context : host->context) != 0;
    return host->should_cancel && host->should_cancel() != 0;
}

static fc_status configure(const fc_algorithm *self, const fc_param_value *values, size_t n,
                           void **config_out, fc_error *err) {
    (void)self;
    config_t *c = malloc(sizeof *c);
    if (!c) return fail(err, FC_ERR_INTERNAL, "out of memory");
    c->scale = 1.0;
    for (size_t i = 0; i < n; i++)
        if (values[i].is_set && strcmp(values[i].name, "scale") == 0) c->scale = values[i].real_value;
    if (!(c->scale > 0) || !isfinite(c->scale)) {
        free(c);
        return fail(err, FC_ERR_INVALID_ARGUMENT, "'scale' must be a positive number");
    }
    *config_out = c;
    return FC_OK;
}

static void free_config(void *config) { free(config); }

static fc_status fit(const void *config, const fc_series *s, void **model_out, fc_error *err) {
    const config_t *c = config;
    void *ctx = FC_HAS_FIELD(s, fc_series, call_context) ? s->call_context : NULL;
    if (s->n < 2)
        return fail(err, FC_ERR_NOT_ENOUGH_DATA, "__NAME__ needs at least 2 points; series %s has %zu", s->id ? s->id : "?", s->n);
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->y[i]))
            return fail(err, FC_ERR_BAD_DATA, "__NAME__ needs complete data; series %s has a missing or infinite value at %zu",
                        s->id, i + 1);
        if (i > 0) {
            double d = s->y[i] - s->y[i - 1];
            sum += d;
            sum2 += d * d;
        }
        if (i % 4096 == 0 && cancelled(ctx)) return fail(err, FC_ERR_CANCELLED, "cancelled");
    }
    double m = (double)(s->n - 1);
    double var = sum2 / m - (sum / m) * (sum / m);
    model_t *model = malloc(sizeof *model);
    if (!model) return fail(err, FC_ERR_INTERNAL, "out of memory");
    model->last = s->y[s->n - 1];
    model->sigma = c->scale * sqrt(var > 0 ? var : 0);
    model->n = s->n;
    if (!isfinite(model->sigma)) {
        free(model);
        return fail(err, FC_ERR_NUMERIC, "series %s: the spread of its changes overflows (%zu points)", s->id, s->n);
    }
    *model_out = model;
    return FC_OK;
}

/* The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
static double normal_quantile(double p) {
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                               1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    double q, r;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
               ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - 0.02425) return -normal_quantile(1 - p);
    q = p - 0.5;
    r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

static fc_status predict(const void *model, const fc_predict_request *req, fc_forecast *out, fc_error *err) {
    (void)err;
    const model_t *m = model;
    for (size_t t = 0; t < req->h; t++) out->mean[t] = m->last;
    for (size_t l = 0; l < req->n_levels && out->lo && out->hi; l++) {
        double z = normal_quantile(0.5 + req->levels[l] / 200.0);
        for (size_t t = 0; t < req->h; t++) {
            double half = z * m->sigma * sqrt((double)(t + 1));
            out->lo[l * req->h + t] = m->last - half;
            out->hi[l * req->h + t] = m->last + half;
        }
    }
    return FC_OK;
}

static void free_model(void *model) { free(model); }

static void describe(const void *model, char *buf, size_t cap) {
    const model_t *m = model;
    snprintf(buf, cap, "__NAME__(sigma=%.3g)", m->sigma);
}

/* A saved model is its model_t, byte for byte. */
static fc_status save(const void *model, uint8_t *buf, size_t cap, size_t *needed, fc_error *err) {
    (void)err;
    *needed = sizeof(model_t);
    if (!buf || cap < sizeof(model_t)) return FC_ERR_BUFFER_TOO_SMALL;
    memcpy(buf, model, sizeof(model_t));
    return FC_OK;
}

static fc_status load(const void *config, const uint8_t *bytes, size_t len, void **model_out, fc_error *err) {
    (void)config;
    if (!bytes || len != sizeof(model_t))
        return fail(err, FC_ERR_BAD_DATA, "a saved __NAME__ model has %zu bytes, not %zu", sizeof(model_t), len);
    model_t *m = malloc(sizeof *m);
    if (!m) return fail(err, FC_ERR_INTERNAL, "out of memory");
    memcpy(m, bytes, sizeof *m);
    *model_out = m;
    return FC_OK;
}

static const fc_param_spec scale_param = {
    sizeof(fc_param_spec), "scale", FC_PARAM_REAL, 0, "1", 0.001, 1000, NULL, 0,
    "multiplies the width of the prediction intervals"};
static const fc_param_spec *const params[] = {&scale_param};

static const fc_algorithm algorithm = {
    .struct_size = sizeof(fc_algorithm),
    .name = "__NAME__",
    .summary = "Naive forecast with sqrt(h) Gaussian intervals (a template: replace with your algorithm)",
    .capabilities = FC_CAP_INTERVALS | FC_CAP_THREAD_SAFE | FC_CAP_SAVE_LOAD,
    .n_params = 1,
    .params = params,
    .configure = configure,
    .free_config = free_config,
    .fit = fit,
    .predict = predict,
    .free_model = free_model,
    .describe = describe,
    .save = save,
    .load = load,
};
static const fc_algorithm *const algorithms[] = {&algorithm};

static const fc_library library = {
    .struct_size = sizeof(fc_library),
    .abi_major = FC_ABI_MAJOR,
    .abi_minor = FC_ABI_MINOR,
    .name = "__NAME__",
    .version = "0.1.0",
    .description = "__NAME__: an fcast plugin in C",
    .n_algorithms = 1,
    .algorithms = algorithms,
};

const fc_library *fcast___NAME___plugin_entry(uint32_t host_major, uint32_t host_minor, const fc_host *h) {
    (void)host_minor;
    host = h;
    if (host_major != FC_ABI_MAJOR) {
        if (h && h->log) h->log(FC_LOG_ERROR, "__NAME__: built for another major version of the fcast plugin ABI");
        return NULL;
    }
    return &library;
}
"""#

    static let makefile = #"""
# Builds libfcast___NAME__.so against the installed fcast plugin header (pkg-config fcast-plugin).
NAME := __NAME__
LIB := libfcast_$(NAME).so
PREFIX ?= $(HOME)/.local
CFLAGS ?= -O2 -g -Wall -Wextra
FCAST ?= fcast
FCAST_CFLAGS := $(shell pkg-config --cflags fcast-plugin 2>/dev/null || echo MISSING)

ifeq ($(FCAST_CFLAGS),MISSING)
$(error pkg-config finds no fcast-plugin: install fcast with scripts/install PREFIX and set PKG_CONFIG_PATH=PREFIX/lib/pkgconfig)
endif

$(LIB): src/$(NAME).c
	$(CC) -shared -fPIC $(CFLAGS) $(FCAST_CFLAGS) -o $@ $< -lm

check: $(LIB)
	$(FCAST) plugin check ./$(LIB)

install: $(LIB)
	install -D -m 755 $(LIB) $(PREFIX)/lib/fcast/plugins/$(LIB)

clean:
	rm -f $(LIB)

.PHONY: check install clean
"""#

    static let readme = #"""
# __NAME__: an fcast plugin in C

Written by `fcast plugin new __NAME__ --lang c`. `src/__NAME__.c` is a complete algorithm
(a naive forecast with intervals) to replace with your own; `fcast_plugin.h` (installed with
fcast) is the contract, and fcast's docs/plugins.md explains it.

```
make                     # libfcast___NAME__.so, against $(pkg-config --cflags fcast-plugin)
make check               # fcast plugin check ./libfcast___NAME__.so: must say PASSED
make install             # into ~/.local/lib/fcast/plugins (PREFIX=... for elsewhere)
```

The header comes from the fcast installation: `scripts/install PREFIX` in fcast's source puts
it in PREFIX/include/fcast and a pkg-config file in PREFIX/lib/pkgconfig. When PREFIX is not a
folder pkg-config searches, set `PKG_CONFIG_PATH=PREFIX/lib/pkgconfig`.

Use it without installing: `FCAST_PLUGIN_PATH=$PWD fcast`, then in the language

```
data = read("sales.csv")
fc = forecast(data, models: [__NAME__(), __NAME__(scale: [0.5, 2])], horizon: 12)
```
"""#
}
