/* libFuzzer harness: image discovery in a hostile HTML page. */
#include "discover.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_list list;
	struct page_meta meta;
	char err[256];
	memset(&meta, 0, sizeof meta);
	image_list_init(&list, 2000);
	discover_images((const char *)data, size, "https://example.test/dir/page.html",
			&list, &meta, err, sizeof err);
	image_list_free(&list);
	page_meta_free(&meta);
	return 0;
}
