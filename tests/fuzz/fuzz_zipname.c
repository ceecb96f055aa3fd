/* libFuzzer harness: ZIP entry names from hostile URLs, one URL per line. */
#include "fuzz.h"
#include "zipname.h"

/* The promises of zipname.h that keep an entry inside the archive's folder. */
static int name_is_safe(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > ZIPNAME_MAX || name[0] == '.')
		return 0;
	if (strchr(name, '/') || strchr(name, '\\') || strchr(name, ':'))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const extensions[] = { "png", "jpg", "svg" };
	char *text = fuzz_string(data, size);
	struct zipname_set set;
	zipname_set_init(&set);
	size_t line = 0;
	for (char *url = strtok(text, "\n"); url; url = strtok(NULL, "\n"), line++) {
		char *name = zipname_make(&set, url, extensions[line % 3]);
		if (!name)
			continue;
		if (!name_is_safe(name))
			abort();
		free(name);
	}
	zipname_set_free(&set);
	free(text);
	return 0;
}
