/* libFuzzer harness: the form parser, base64url and the URL list of a request. */
#include "cgi.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgi_request req;
	struct http_error e = { 0 };
	if (cgi_request_parse(&req, (const char *)data, size, &e) == 0) {
		char **urls = NULL;
		size_t count = 0;
		if (cgi_request_urls(&req, 300, &urls, &count, &e) == 0)
			cgi_free_strings(urls, count);
		cgi_param(&req, "page");
	}
	cgi_request_free(&req);

	size_t len = 0;
	free(base64url_decode((const char *)data, size, &len));
	return 0;
}
