/* libFuzzer harness: image dimensions from the first bytes of a file. */
#include "fuzz.h"
#include "imgsize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that ASan reports a read one byte past the input. */
	unsigned char *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	struct image_size result;
	if (imgsize_read(copy, size, &result) == 0 &&
	    (result.width == 0 || result.width > IMGSIZE_MAX_DIMENSION ||
	     result.height == 0 || result.height > IMGSIZE_MAX_DIMENSION))
		abort();
	free(copy);
	return 0;
}
