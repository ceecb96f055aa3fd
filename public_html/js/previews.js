// Loads card previews through preview.cgi once they come near the viewport, a few at a time.
//
// A preview is fetched, not set as an <img> address, because the response
// carries what an <img> element hides: the file type (Content-Type, taken by
// preview.cgi from the bytes) and the file size. The bytes are then shown
// through a blob: URL, which the Content-Security-Policy allows for images.

import { previewSource, ServiceError, readServiceError } from './api.js';

/*
 * Previews loading at once. Each preview is a fetch by the server, counted
 * against the visitor's hourly preview limit, so the page neither floods
 * the server nor loads images the visitor never scrolls to.
 */
export const MAX_PARALLEL = 6;

/* Margin around the viewport inside which a card's preview starts loading, where an IntersectionObserver is used. */
const ROOT_MARGIN = '200px 0px';

/*
 * Browsers that fire contentvisibilityautostatechange (Chromium 124 and
 * later, Firefox 130 and later) tell, for free, when an element with
 * content-visibility: auto comes near the viewport, as the cards do. With
 * 1,000 cards this saves the IntersectionObserver's work on every filter
 * change, about half of its time in Chromium. Elsewhere an
 * IntersectionObserver watches each card.
 */
const VISIBILITY_EVENT = 'contentvisibilityautostatechange';
const HAS_VISIBILITY_EVENT = `on${VISIBILITY_EVENT}` in HTMLElement.prototype;

/**
 * Fetches the preview of imageUrl and returns {objectUrl, mediaType, bytes}.
 * data: URIs are returned as they are, with the size of their decoded bytes.
 * Rejects with a ServiceError when preview.cgi responds with an error.
 */
async function fetchPreview(imageUrl, signal) {
	const source = previewSource(imageUrl);
	if (source.startsWith('data:')) {
		const comma = source.indexOf(',');
		const header = source.slice(5, comma);
		const payload = source.slice(comma + 1);
		const bytes = header.endsWith(';base64')
			? Math.floor(payload.replace(/=+$/, '').length * 3 / 4)
			: decodeURIComponent(payload).length;
		return { objectUrl: source, mediaType: header.split(';')[0], bytes, owned: false };
	}
	let response;
	try {
		response = await fetch(source, { signal, credentials: 'same-origin' });
	} catch (error) {
		if (error.name === 'AbortError')
			throw error;
		throw new ServiceError('network', '');
	}
	if (!response.ok)
		throw await readServiceError(response);
	const blob = await response.blob();
	return {
		objectUrl: URL.createObjectURL(blob),
		mediaType: response.headers.get('Content-Type') || blob.type,
		bytes: blob.size,
		owned: true,
	};
}

/**
 * A queue of preview jobs. watch(element, imageUrl, onReady, onFailed)
 * starts the job when element intersects the viewport; load() starts one at
 * once. At most MAX_PARALLEL fetches run at a time. One loader serves one
 * list of results, so stop() it before showing another.
 */
export class PreviewLoader {
	constructor() {
		this.jobs = new Map();         // watched element -> job
		this.listened = new WeakSet();  // elements with the visibility event listener
		this.queue = [];
		this.running = 0;
		this.objectUrls = [];
		this.controller = new AbortController();
		this.observer = HAS_VISIBILITY_EVENT ? null
			: new IntersectionObserver((entries) => this.enqueue(entries), { rootMargin: ROOT_MARGIN });
		this.onVisibility = (event) => {
			if (!event.skipped)
				this.enqueue([{ isIntersecting: true, target: event.currentTarget }]);
		};
	}

	/**
	 * Loads the preview of imageUrl once element scrolls into view, then calls
	 * onReady({objectUrl, mediaType, bytes}) or onFailed(error). Watching an
	 * element again replaces its earlier job. Where the visibility event is
	 * used, element must have content-visibility: auto.
	 */
	watch(element, imageUrl, onReady, onFailed) {
		this.jobs.set(element, { imageUrl, onReady, onFailed });
		if (this.observer) {
			this.observer.unobserve(element);
			this.observer.observe(element);
			return;
		}
		if (!this.listened.has(element)) {
			this.listened.add(element);
			element.addEventListener(VISIBILITY_EVENT, this.onVisibility, { signal: this.controller.signal });
		}
		// A card already on screen fires no event when its variant changes.
		if (element.isConnected && element.checkVisibility({ contentVisibilityAuto: true }))
			this.enqueue([{ isIntersecting: true, target: element }]);
	}

	enqueue(entries) {
		for (const entry of entries) {
			if (!entry.isIntersecting)
				continue;
			if (this.observer)
				this.observer.unobserve(entry.target);
			const job = this.jobs.get(entry.target);
			this.jobs.delete(entry.target);
			if (job)
				this.queue.push(job);
		}
		this.startNext();
	}

	startNext() {
		while (!this.controller.signal.aborted && this.running < MAX_PARALLEL && this.queue.length > 0) {
			const job = this.queue.shift();
			this.running += 1;
			fetchPreview(job.imageUrl, this.controller.signal)
				.then((preview) => {
					if (this.controller.signal.aborted) {
						if (preview.owned)
							URL.revokeObjectURL(preview.objectUrl);
						return;
					}
					if (preview.owned)
						this.objectUrls.push(preview.objectUrl);
					job.onReady(preview);
				}, (error) => {
					if (error.name !== 'AbortError' && !this.controller.signal.aborted)
						job.onFailed(error);
				})
				.finally(() => {
					this.running -= 1;
					this.startNext();
				});
		}
	}

	/** Stops watching, cancels the previews still loading and frees the loaded ones. */
	stop() {
		this.controller.abort();
		if (this.observer)
			this.observer.disconnect();
		this.queue = [];
		this.jobs.clear();
		for (const objectUrl of this.objectUrls)
			URL.revokeObjectURL(objectUrl);
		this.objectUrls = [];
	}
}
