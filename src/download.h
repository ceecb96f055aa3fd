/* Serving a finished archive over CGI, with single byte ranges (RFC 9110 section 14). */
#ifndef IG_DOWNLOAD_H
#define IG_DOWNLOAD_H

#include "cgi.h"

/*
 * Sends the file at path as application/zip with Content-Disposition
 * attachment named filename (ASCII, already safe), Content-Length and
 * Accept-Ranges. A single "bytes=" range from HTTP_RANGE is answered with
 * 206; an unsatisfiable one with 416; other Range forms get the whole file.
 * Returns 0, or -1 with e set when nothing was sent (404 for a missing file).
 */
int download_send(const char *path, const char *filename, struct http_error *e);

#endif
