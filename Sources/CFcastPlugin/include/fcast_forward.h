/*
 * fcast_forward.h — the "fcast.forward.v1" library extension (fc_library.get_extension):
 * forecast from new data with a model fitted before, without fitting again.
 *
 * `forward` applies a fitted model's parameters to a series (typically the series it was
 * fitted on, continued by newer points, from the same first point): the states are
 * filtered through the new values and nothing is re-estimated. The forwarded model is an
 * ordinary model of the same algorithm: predict, describe, fitted, save and free_model take
 * it. This is statsforecast's `forward` and R's `Arima(y, model = fit)` / `ets(y, model = fit,
 * use.initial.values = TRUE)`; fcast's cross-validation with `refit: false` (fit once on
 * the first window, forecast later windows from the same parameters) and `refit: k` use it.
 *
 * A model without parameters beyond the data (naive, mean, drift) may simply fit the new
 * series. A changed table is a new name ("fcast.forward.v2"); fields are only appended.
 */
#ifndef FCAST_FORWARD_H
#define FCAST_FORWARD_H

#include "fcast_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FC_FORWARD_EXTENSION "fcast.forward.v1"

typedef struct fc_forward_ext {
    uint32_t struct_size;
    /* Non-zero when the models fitted under `config` (from one of this library's
       algorithms' configure) can be forwarded. The host asks before it plans on it. */
    int32_t (*can_forward)(const void *config);
    /* `model` (fitted under `config` by fit) applied to `series`: a new model in
       *model_out, freed by the algorithm's free_model. `model` is left as it is, and the
       host may forward the same model to several series at once from several threads
       when the algorithm sets FC_CAP_THREAD_SAFE (otherwise calls are serialised).
       FC_ERR_UNSUPPORTED for a model that cannot be forwarded; the other statuses as fit's
       (a series too short or with bad values for this model). */
    fc_status (*forward)(const void *config, const void *model, const fc_series *series,
                         void **model_out, fc_error *err);
} fc_forward_ext;

#ifdef __cplusplus
}
#endif

#endif /* FCAST_FORWARD_H */
