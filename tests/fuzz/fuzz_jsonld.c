/* libFuzzer harness: the JSON-LD image scanner. */
#include "fuzz.h"
#include "jsonld.h"

static int on_url(void *ctx, const char *url)
{
	size_t *total = ctx;
	*total += strlen(url);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0;
	jsonld_scan((const char *)data, size, on_url, &total);
	return 0;
}
