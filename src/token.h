/* Unguessable export tokens: 128 random bits as 32 lowercase hex digits. */
#ifndef IG_TOKEN_H
#define IG_TOKEN_H

#include <stdbool.h>

#define TOKEN_LENGTH 32

/* Fills out (TOKEN_LENGTH + 1 bytes) with a new token. Returns 0 or -1 when no randomness is available. */
int token_new(char out[TOKEN_LENGTH + 1]);
/* Tells whether text is exactly TOKEN_LENGTH lowercase hex digits. */
bool token_valid(const char *text);

#endif
