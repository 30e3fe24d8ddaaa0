/*
 * An fcast algorithm written in plain C against fcast_plugin.h: the window average
 * (every forecast is the mean of the last `window` observations).
 *
 *   cc -shared -fPIC -O2 -I ../../Sources/CFcastPlugin/include \
 *      -o libfcast_window.so window_average.c
 *   FCAST_PLUGIN_PATH=$PWD fcast plugins
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcast_plugin.h"

typedef struct { int64_t window; } config_t;
typedef struct { double level; } model_t;

static void fail(fc_error *err, fc_status status, const char *message) {
    if (!err) return;
    err->status = status;
    if (err->message && err->message_capacity > 0) {
        snprintf(err->message, err->message_capacity, "%s", message);
    }
}

static fc_status configure(const fc_algorithm *self, const fc_param_value *values, size_t n,
                           void **config_out, fc_error *err) {
    (void)self;
    config_t *c = malloc(sizeof *c);
    if (!c) { fail(err, FC_ERR_INTERNAL, "out of memory"); return FC_ERR_INTERNAL; }
    c->window = 3;
    for (size_t i = 0; i < n; i++) {
        if (values[i].is_set && strcmp(values[i].name, "window") == 0) c->window = values[i].int_value;
    }
    if (c->window < 1) {
        free(c);
        fail(err, FC_ERR_INVALID_ARGUMENT, "'window' must be at least 1");
        return FC_ERR_INVALID_ARGUMENT;
    }
    *config_out = c;
    return FC_OK;
}

static void free_config(void *config) { free(config); }

static fc_status fit(const void *config, const fc_series *s, void **model_out, fc_error *err) {
    const config_t *c = config;
    if ((int64_t)s->n < c->window) {
        char msg[200];
        snprintf(msg, sizeof msg, "window_average needs at least %lld points; series has %zu",
                 (long long)c->window, s->n);
        fail(err, FC_ERR_NOT_ENOUGH_DATA, msg);
        return FC_ERR_NOT_ENOUGH_DATA;
    }
    double sum = 0;
    for (size_t i = s->n - (size_t)c->window; i < s->n; i++) {
        if (!isfinite(s->y[i])) { fail(err, FC_ERR_BAD_DATA, "missing value in the window"); return FC_ERR_BAD_DATA; }
        sum += s->y[i];
    }
    model_t *m = malloc(sizeof *m);
    if (!m) { fail(err, FC_ERR_INTERNAL, "out of memory"); return FC_ERR_INTERNAL; }
    m->level = sum / (double)c->window;
    *model_out = m;
    return FC_OK;
}

static fc_status predict(const void *model, const fc_predict_request *req, fc_forecast *out, fc_error *err) {
    (void)err;
    const model_t *m = model;
    for (size_t t = 0; t < req->h; t++) out->mean[t] = m->level;
    return FC_OK;
}

static void free_model(void *model) { free(model); }

static void describe(const void *model, char *buf, size_t cap) {
    (void)model;
    snprintf(buf, cap, "window average");
}

static const fc_param_spec window_param = {
    sizeof(fc_param_spec), "window", FC_PARAM_INT, 0, "3", 1, 10000, NULL, 0,
    "how many of the last observations to average"};
static const fc_param_spec *const params[] = {&window_param};

static const fc_algorithm window_average = {
    .struct_size = sizeof(fc_algorithm),
    .name = "window_average",
    .summary = "Window average: the mean of the last `window` observations",
    .capabilities = FC_CAP_THREAD_SAFE,
    .n_params = 1,
    .params = params,
    .configure = configure,
    .free_config = free_config,
    .fit = fit,
    .predict = predict,
    .free_model = free_model,
    .describe = describe,
};
static const fc_algorithm *const algorithms[] = {&window_average};

static const fc_library library = {
    .struct_size = sizeof(fc_library),
    .abi_major = FC_ABI_MAJOR,
    .abi_minor = FC_ABI_MINOR,
    .name = "window",
    .version = "1.0.0",
    .description = "An example plugin in C",
    .n_algorithms = 1,
    .algorithms = algorithms,
};

const fc_library *fcast_plugin_entry(uint32_t host_major, uint32_t host_minor, const fc_host *host) {
    (void)host_minor;
    if (host_major != FC_ABI_MAJOR) {
        if (host && host->log) host->log(FC_LOG_ERROR, "window: built for another fcast plugin ABI");
        return NULL;
    }
    return &library;
}
