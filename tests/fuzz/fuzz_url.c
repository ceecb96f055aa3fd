/* libFuzzer harness: URL validation and resolution. The input is "BASE\nREFERENCE". */
#include "fuzz.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	char *newline = strchr(text, '\n');
	const char *ref = "";
	if (newline) {
		*newline = '\0';
		ref = newline + 1;
	}
	char err[256];
	char *valid = NULL;
	if (url_validate(text, &valid, err, sizeof err) == 0)
		free(valid);
	free(url_resolve(text, ref));
	free(url_join(text, ref));
	free(text);
	return 0;
}
