/* libFuzzer harness: the CSS url() scanner. */
#include "cssurl.h"
#include "fuzz.h"

/* Reads every byte of each URL, so the sanitizers see an unterminated one. */
static int on_url(void *ctx, const char *url)
{
	size_t *total = ctx;
	*total += strlen(url);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0;
	cssurl_scan((const char *)data, size, on_url, &total);
	return 0;
}
