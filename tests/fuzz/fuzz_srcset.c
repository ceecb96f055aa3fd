/* libFuzzer harness: the srcset attribute parser. */
#include "fuzz.h"
#include "srcset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct srcset set;
	if (srcset_parse(text, 100, &set) == 0)
		srcset_free(&set);
	free(text);
	return 0;
}
