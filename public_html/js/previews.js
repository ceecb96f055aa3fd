// Loads card previews once they come near the viewport, a few at a time.

/*
 * Previews loading at once. Each preview is a fetch by the server, counted
 * against the visitor's hourly preview limit, so the page neither floods
 * the server nor loads images the visitor never scrolls to.
 */
const MAX_PARALLEL = 6;

/* Margin around the viewport inside which a card's preview starts loading. */
const ROOT_MARGIN = '200px 0px';

/**
 * A queue of <img> elements that receive their src when their box (the
 * watched element) intersects the viewport. One loader serves one list of
 * results, so stop() it before showing another.
 */
export class PreviewLoader {
	constructor() {
		this.sources = new Map();      // watched element -> {image, source}
		this.queue = [];
		this.loading = new Set();
		this.stopped = false;
		this.observer = new IntersectionObserver((entries) => this.enqueue(entries),
			{ rootMargin: ROOT_MARGIN });
	}

	/** Queues image to receive source once box scrolls into view, then loads it when a slot is free. */
	watch(box, image, source) {
		this.sources.set(box, { image, source });
		this.observer.observe(box);
	}

	enqueue(entries) {
		for (const entry of entries) {
			if (!entry.isIntersecting)
				continue;
			this.observer.unobserve(entry.target);
			this.queue.push(this.sources.get(entry.target));
			this.sources.delete(entry.target);
		}
		this.startNext();
	}

	startNext() {
		while (!this.stopped && this.loading.size < MAX_PARALLEL && this.queue.length > 0) {
			const { image, source } = this.queue.shift();
			this.loading.add(image);
			const finish = () => {
				image.removeEventListener('load', finish);
				image.removeEventListener('error', finish);
				this.loading.delete(image);
				this.startNext();
			};
			image.addEventListener('load', finish);
			image.addEventListener('error', finish);
			image.src = source;
		}
	}

	/** Stops watching, and cancels the previews still loading. */
	stop() {
		this.stopped = true;
		this.observer.disconnect();
		this.queue = [];
		this.sources.clear();
		for (const image of this.loading)
			image.removeAttribute('src');
		this.loading.clear();
	}
}
