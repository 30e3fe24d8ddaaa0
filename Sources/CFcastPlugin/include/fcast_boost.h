/*
 * fcast_boost.h — the "fcast.boost.v1" library extension (fc_library.get_extension):
 * continue boosting a fitted model round by round, so that a tuner's promoted trial goes
 * on from where it stopped instead of starting again (successive halving).
 *
 * libfcast_global offers it for global_xgb models fitted with `resumable: true`.
 * A changed table is a new name ("fcast.boost.v2"); fields are only ever appended.
 */
#ifndef FCAST_BOOST_H
#define FCAST_BOOST_H

#include "fcast_plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FC_BOOST_EXTENSION "fcast.boost.v1"

typedef struct fc_boost_ext {
    uint32_t struct_size;
    /* Boost `model` (from fit or fit_global) on until it has `rounds` rounds in all; a
       model that already has that many is left as it is. FC_ERR_UNSUPPORTED for a model
       that did not keep its training rows. Not concurrent with other calls on `model`. */
    fc_status (*boost_to)(void *model, uint32_t rounds, fc_error *err);
    /* The rounds `model` has now. */
    uint32_t (*rounds)(const void *model);
} fc_boost_ext;

#ifdef __cplusplus
}
#endif

#endif /* FCAST_BOOST_H */
