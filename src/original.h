/* Guesses of the full-size original behind a thumbnail URL, from the URL shapes common resizers use. */
#ifndef IG_ORIGINAL_H
#define IG_ORIGINAL_H

/*
 * Returns the likely original of an absolute http or https image URL, or
 * NULL when url matches no known thumbnail scheme:
 * - WordPress: a "-300x200" suffix before the file extension is removed;
 * - MediaWiki: ".../thumb/a/ab/File.jpg/220px-File.jpg" becomes
 *   ".../a/ab/File.jpg";
 * - query-string resizers (imgix, Shopify, WordPress Photon and the like):
 *   the parameters w, width, h, height, resize, fit and crop are removed;
 * - Cloudinary: the transformation segments after "/upload/" are removed;
 * - Blogger and googleusercontent.com: a size segment such as "/s320/" or
 *   "/w226-h410/", or a "=s320" or "=w226-h410" suffix, becomes "s0",
 *   which serves the original.
 * A guess may not exist on the server. The caller frees the result.
 */
char *original_guess(const char *url);

#endif
