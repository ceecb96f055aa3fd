// Requests to the ImageGather programs, and their errors as plain sentences.
//
// Every address travels base64url-encoded in the "u" parameter, because the
// web application firewalls of shared hosts (ModSecurity) block parameters
// that look like URLs. Paths are relative, so the page also works from a
// sub-folder of the site.

import { encodeBase64Url } from './encoding.js';

const EXTRACT_PATH = 'cgi-bin/extract.cgi';
const PREVIEW_PATH = 'cgi-bin/preview.cgi';
const EXPORT_PATH = 'cgi-bin/export.cgi';

/* Maximum length of one export progress line, in characters. A real event line is a few hundred. */
const MAX_EVENT_LINE = 1024 * 1024;

/** An error reported by a program, or a failure to reach it. */
export class ServiceError extends Error {
	constructor(code, message, status = 0, retryAfter = null) {
		super(message);
		this.name = 'ServiceError';
		this.code = code;
		this.status = status;
		this.retryAfter = retryAfter;
	}
}

/** Reads {"error":{"code","message"}} and the Retry-After header from a failed response into a ServiceError. */
export async function readServiceError(response) {
	let code = `http_${response.status}`;
	let message = '';
	try {
		const body = await response.json();
		if (body && body.error) {
			code = String(body.error.code || code);
			message = String(body.error.message || '');
		}
	} catch {
		// An error page from the web server itself is HTML, not JSON.
	}
	const retry = Number.parseInt(response.headers.get('Retry-After') || '', 10);
	return new ServiceError(code, message, response.status, Number.isFinite(retry) ? retry : null);
}

/* Sends a request and turns a network failure or an HTTP error into a ServiceError. */
async function send(path, init) {
	let response;
	try {
		response = await fetch(path, { credentials: 'same-origin', cache: 'no-store', ...init });
	} catch (error) {
		if (error.name === 'AbortError')
			throw error;
		throw new ServiceError('network', '');
	}
	if (!response.ok)
		throw await readServiceError(response);
	return response;
}

/* A page label for the aggregate statistics, as extract.cgi accepts it. */
const PAGE_LABEL = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Requests the image candidates of the page at pageUrl from extract.cgi and
 * returns the parsed response: {page, images, count, truncated}. A valid
 * pageLabel is sent along for the server's aggregate statistics.
 */
export async function extractImages(pageUrl, pageLabel, signal) {
	const body = new URLSearchParams({ u: encodeBase64Url(pageUrl) });
	if (pageLabel && PAGE_LABEL.test(pageLabel))
		body.append('page', pageLabel);
	const response = await send(EXTRACT_PATH, {
		method: 'POST',
		body,
		signal,
		headers: { Accept: 'application/json' },
	});
	let result;
	try {
		result = await response.json();
	} catch {
		throw new ServiceError('bad_response', '', response.status);
	}
	if (!result || !Array.isArray(result.images))
		throw new ServiceError('bad_response', '', response.status);
	return result;
}

/**
 * Returns the address to show an image from: data:image URLs as they are
 * (the Content-Security-Policy allows data: images), everything else
 * through preview.cgi, because the page never loads an image from another
 * origin.
 */
export function previewSource(imageUrl) {
	if (/^data:image\//i.test(imageUrl))
		return imageUrl;
	return `${PREVIEW_PATH}?u=${encodeBase64Url(imageUrl)}`;
}

/**
 * Returns the address that downloads the ZIP file of a finished export. The
 * server builds the file name from name (default "images.zip").
 */
export function downloadAddress(token, name) {
	const query = new URLSearchParams({ token });
	if (name)
		query.append('name', name);
	return `${EXPORT_PATH}?${query}`;
}

/*
 * Parses one line of the export stream. An {"event":"error","error":TEXT}
 * line, which the server sends when it could not write the archive, ends
 * the export with a ServiceError.
 */
function parseEvent(line) {
	let event;
	try {
		event = JSON.parse(line);
	} catch {
		throw new ServiceError('bad_response', '');
	}
	if (!event || typeof event !== 'object')
		throw new ServiceError('bad_response', '');
	if (event.event === 'error')
		throw new ServiceError('export_failed', typeof event.error === 'string' ? event.error : '');
	return event;
}

/**
 * Posts the image addresses to export.cgi and reads its application/x-ndjson
 * response as it streams: onImage(event) runs for each {"event":"image"} line.
 * Resolves with the final {"event":"done"} object, and rejects with a
 * ServiceError when the stream ends without one or when the done event has
 * no token because no image could be added.
 */
export async function exportImages(imageUrls, name, onImage, signal) {
	const body = new URLSearchParams();
	for (const url of imageUrls)
		body.append('u', encodeBase64Url(url));
	if (name)
		body.append('name', name);
	const response = await send(EXPORT_PATH, {
		method: 'POST',
		body,
		signal,
		headers: { Accept: 'application/x-ndjson' },
	});

	const reader = response.body.getReader();
	const decoder = new TextDecoder();
	let pending = '';
	let finished = null;
	const handleLine = (line) => {
		if (!line.trim())
			return;
		const event = parseEvent(line);
		if (event.event === 'image')
			onImage(event);
		else if (event.event === 'done')
			finished = event;
	};

	for (;;) {
		let chunk;
		try {
			chunk = await reader.read();
		} catch (error) {
			if (error.name === 'AbortError')
				throw error;
			throw new ServiceError('network', '');
		}
		if (chunk.done)
			break;
		pending += decoder.decode(chunk.value, { stream: true });
		let newline;
		while ((newline = pending.indexOf('\n')) >= 0) {
			handleLine(pending.slice(0, newline));
			pending = pending.slice(newline + 1);
		}
		if (pending.length > MAX_EVENT_LINE)
			throw new ServiceError('bad_response', '');
	}
	handleLine(pending + decoder.decode());

	if (!finished)
		throw new ServiceError('incomplete', '');
	if (typeof finished.token !== 'string' || !finished.token)
		throw new ServiceError('nothing_exported', '');
	return finished;
}

/* Next step to suggest to the visitor, by error code. */
const NEXT_STEPS = {
	invalid_url: 'Check the address: it must be a full web address, such as https://example.com/page.',
	blocked_address: 'ImageGather fetches only public web sites, never private or local network addresses. Enter the address of a public page instead.',
	too_large: 'Try a smaller page, or select fewer images for one export.',
	not_html: 'Enter the address of the web page that shows the images, not the address of a file.',
	not_image: 'Deselect that image and try again.',
	fetch_failed: 'Check that the address opens in your own browser, then try again.',
	timeout: 'Try again in a few minutes; the site may be slow right now.',
	not_found: 'Export the images again to make a new ZIP file.',
	network: 'Check your internet connection, then try again.',
	incomplete: 'Try the export again, perhaps with fewer images.',
	nothing_exported: 'See the list of failed images, and select others.',
	server_misconfigured: 'Tell the owner of this site, because the service cannot work until it is fixed.',
	internal_error: 'Try again later. If the problem continues, tell the owner of this site.',
	busy: 'Try again in a minute.',
};

/* Fallback messages by error code, for errors that come without a message. */
const DEFAULT_MESSAGES = {
	invalid_url: 'The address is not valid.',
	blocked_address: 'The address points to a private or local network.',
	too_large: 'The request is larger than the server accepts.',
	not_html: 'The address does not lead to a web page.',
	not_image: 'The address does not lead to an image.',
	rate_limited: 'This service has had too many requests from your network this hour.',
	fetch_failed: 'The server could not fetch the page.',
	timeout: 'The site took too long to answer.',
	network: 'The ImageGather server could not be reached.',
	bad_response: 'The ImageGather server sent an answer this page cannot read.',
	not_found: 'This ZIP file no longer exists; exports are deleted after a while.',
	incomplete: 'The export stopped before it finished.',
	nothing_exported: 'None of the selected images could be fetched, so no ZIP file was made.',
	export_failed: 'The server could not write the ZIP file.',
};

/* Tells when to retry, from the Retry-After value in seconds (or null). */
function describeRetry(seconds) {
	if (seconds === null || seconds <= 0)
		return 'Try again later.';
	if (seconds < 90)
		return `Try again in ${seconds} seconds.`;
	return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
}

/*
 * Sentences for the HTTP status with which the fetched site itself responded,
 * which extract.cgi reports as fetch_failed with "HTTP status N" in its message.
 */
function describeSiteStatus(status) {
	if (status === 401 || status === 403)
		return `This site refused the request (HTTP ${status}). Some sites block automatic downloads. `
			+ 'Open the page in your own browser and save the images from there.';
	if (status === 404 || status === 410)
		return `The site has no page at this address (HTTP ${status}). Check the address for typing mistakes.`;
	if (status === 429)
		return 'The site is refusing requests because it received too many (HTTP 429). Try again later.';
	if (status >= 500)
		return `The site had an error (HTTP ${status}). Try again later.`;
	return `The site responded with an error (HTTP ${status}). Check that the address opens in your own browser.`;
}

/* Adds a full stop unless the sentence already ends with punctuation. */
function asSentence(text) {
	const trimmed = text.trim();
	return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Turns any error into one or two plain sentences: what failed, then what to do. */
export function describeError(error) {
	if (!(error instanceof ServiceError))
		return 'Something went wrong in this page. Reload it and try again.';
	const siteStatus = /\bHTTP(?: status)? (\d{3})\b/.exec(error.message);
	if (error.code === 'fetch_failed' && siteStatus)
		return describeSiteStatus(Number(siteStatus[1]));
	if (error.code === 'rate_limited' && error.message)
		return asSentence(error.message.charAt(0).toUpperCase() + error.message.slice(1));
	if (error.code === 'rate_limited')
		return `${DEFAULT_MESSAGES.rate_limited} ${describeRetry(error.retryAfter)}`;
	if (error.status === 403 && !error.message)
		return 'The web server of this site blocked the request before ImageGather could read it (HTTP 403). '
			+ 'Tell the owner of this site; its firewall rules may need an exception.';
	const message = error.message || DEFAULT_MESSAGES[error.code]
		|| `The server answered with an error (HTTP ${error.status}).`;
	let next = NEXT_STEPS[error.code];
	if (!next)
		next = 'Try again later. If the problem continues, tell the owner of this site.';
	return `${asSentence(message)} ${next}`;
}
