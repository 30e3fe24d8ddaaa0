/* Non-variadic wrappers over libedit's variadic el_set() and history(), which Swift
   cannot call directly. One wrapper per operation fcast uses. */
#ifndef FCAST_CEDITLINE_SHIM_H
#define FCAST_CEDITLINE_SHIM_H

#include <histedit.h>
#include <stdio.h>

typedef char *(*fc_el_prompt_fn)(EditLine *);
typedef unsigned char (*fc_el_command_fn)(EditLine *, int);

/* el_init on the standard streams (Swift 6 will not touch the C globals stdin/stdout). */
static inline EditLine *fc_el_init(const char *program) { return el_init(program, stdin, stdout, stderr); }

static inline int fc_el_set_prompt(EditLine *el, fc_el_prompt_fn f) { return el_set(el, EL_PROMPT, f); }
static inline int fc_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int fc_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int fc_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int fc_el_add_function(EditLine *el, const char *name, const char *help, fc_el_command_fn f) {
    return el_set(el, EL_ADDFN, name, help, f);
}
static inline int fc_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, NULL);
}
static inline int fc_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *fc_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int fc_el_source_defaults(EditLine *el) { return el_source(el, NULL); }

static inline int fc_history_setsize(History *h, int size) {
    HistEvent ev;
    return history(h, &ev, H_SETSIZE, size);
}
static inline int fc_history_setunique(History *h, int on) {
    HistEvent ev;
    return history(h, &ev, H_SETUNIQUE, on);
}
static inline int fc_history_enter(History *h, const char *line) {
    HistEvent ev;
    return history(h, &ev, H_ENTER, line);
}
static inline int fc_history_load(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_LOAD, path);
}
static inline int fc_history_save(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_SAVE, path);
}

#endif
