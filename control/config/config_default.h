/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_default.h - config/default.yaml, embedded in the program at build
 * time (scripts/embed.py): what `enimap` runs when given no -c. Load it with
 * config_load_string("<embedded default.yaml>", config_default_yaml,
 * config_default_yaml_len, ...).
 */
#ifndef ENIMAP_CONFIG_DEFAULT_H
#define ENIMAP_CONFIG_DEFAULT_H

#include <stddef.h>

extern const char config_default_yaml[];     /* the file's bytes, then a NUL */
extern const size_t config_default_yaml_len; /* without the NUL */

#endif
