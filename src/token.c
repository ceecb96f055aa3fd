/* Unguessable export tokens. */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "token.h"

int token_new(char out[TOKEN_LENGTH + 1])
{
	unsigned char bytes[TOKEN_LENGTH / 2];
	if (RAND_bytes(bytes, sizeof bytes) != 1)
		return -1;
	for (size_t i = 0; i < sizeof bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", bytes[i]);
	return 0;
}

bool token_valid(const char *text)
{
	return text && strlen(text) == TOKEN_LENGTH &&
	       strspn(text, "0123456789abcdef") == TOKEN_LENGTH;
}
