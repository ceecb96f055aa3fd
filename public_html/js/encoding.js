// Base64url text encoding (RFC 4648, section 5) for the "u" parameter and the location fragment.

/** Encodes text as UTF-8, then as base64url without padding. */
export function encodeBase64Url(text) {
	const bytes = new TextEncoder().encode(text);
	let binary = '';
	for (const byte of bytes)
		binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decodes base64url (padding optional) into text, reading the bytes as UTF-8.
 * Throws when the text is not base64url or the bytes are not valid UTF-8.
 */
export function decodeBase64Url(encoded) {
	if (!/^[A-Za-z0-9_-]*={0,2}$/.test(encoded))
		throw new SyntaxError('invalid base64url text');
	let base64 = encoded.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
	while (base64.length % 4 !== 0)
		base64 += '=';
	const binary = atob(base64);
	const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
	return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
