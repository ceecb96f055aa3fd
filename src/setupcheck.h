/* The installation self-check behind "imagegather-cleanup --check". */
#ifndef IG_SETUPCHECK_H
#define IG_SETUPCHECK_H

#include <stdio.h>

/*
 * Checks an installation and prints one line per finding to out: "ok:",
 * "warning:" or "problem:", each problem followed by what to do about it.
 * config_path is the file to check, or NULL to find it the way the
 * programs do (IMAGEGATHER_CONFIG, then next to the program). Checks the
 * configuration, the data folder's owner and permissions, the
 * configuration file's permissions, the store, the secret, the exports
 * folder, the CA bundle and, when check_url is set, one HTTPS or HTTP
 * request to it. Returns the number of problems (warnings do not count).
 */
int setup_check(const char *config_path, FILE *out);

#endif
