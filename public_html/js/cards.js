// The result cards: one list item per image candidate, with its preview, facts and a check box.
//
// Every string here that comes from the fetched page (addresses, alt text,
// descriptors) is set with textContent or as an attribute value, never
// parsed as HTML.

import { previewSource } from './api.js';

/* Visitor-facing names of the "kind" values of extract.cgi. */
const KIND_NAMES = {
	img: 'Image element',
	srcset: 'Image srcset',
	source: 'Picture source',
	lazy: 'Lazy-load attribute',
	css: 'CSS background',
	meta: 'Page metadata',
	icon: 'Site icon',
	link: 'Link to an image',
	poster: 'Video poster',
	input: 'Image button',
	svg: 'SVG image element',
	data: 'Embedded data',
};

/* Creates an element with an optional class and text. */
function element(tag, className, text) {
	const node = document.createElement(tag);
	if (className)
		node.className = className;
	if (text !== undefined)
		node.textContent = text;
	return node;
}

/* Returns a positive integer from a declared width or height, or null. */
function dimension(value) {
	return Number.isInteger(value) && value > 0 ? value : null;
}

/**
 * Describes the size the markup declares: "640 × 480", "640 wide", "300 high",
 * followed by the srcset descriptor ("2x", "640w") when there is one, or
 * "Not declared".
 */
export function describeDeclaredSize(image) {
	const width = dimension(image.width);
	const height = dimension(image.height);
	const parts = [];
	if (width && height)
		parts.push(`${width} × ${height}`);
	else if (width)
		parts.push(`${width} wide`);
	else if (height)
		parts.push(`${height} high`);
	if (typeof image.descriptor === 'string' && image.descriptor)
		parts.push(`(${image.descriptor})`);
	return parts.length > 0 ? parts.join(' ') : 'Not declared';
}

/* Returns a short name for an image address: the decoded last path segment, or the data: type. */
function fileName(url) {
	const data = /^data:([^;,]*)/i.exec(url);
	if (data)
		return `Embedded ${data[1] || 'data'}`;
	try {
		const parsed = new URL(url);
		const segment = parsed.pathname.split('/').filter(Boolean).pop();
		if (!segment)
			return parsed.host;
		try {
			return decodeURIComponent(segment);
		} catch {
			return segment;
		}
	} catch {
		return url;
	}
}

/* Returns url when it is an absolute http or https address, else null. */
function webAddress(url) {
	try {
		const parsed = new URL(url);
		return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
	} catch {
		return null;
	}
}

/* Adds one term and its description to a <dl>, and returns the description. */
function addFact(list, term, description) {
	const row = element('div', 'fact');
	const value = element('dd', null, description);
	row.append(element('dt', null, term), value);
	list.append(row);
	return value;
}

/* Builds the preview box: an <img> that the loader fills, and a note shown when it fails. */
function createPreview(image, loader, actualSize) {
	const box = element('div', 'thumb');
	const picture = element('img');
	picture.alt = '';
	picture.decoding = 'async';
	const note = element('p', 'thumb-note', 'Loading preview…');
	picture.addEventListener('load', () => {
		box.dataset.state = 'loaded';
		actualSize.textContent = `${picture.naturalWidth} × ${picture.naturalHeight}`;
	});
	picture.addEventListener('error', () => {
		if (!picture.getAttribute('src'))
			return;
		box.dataset.state = 'failed';
		note.textContent = 'No preview: the file could not be fetched, or it is not an image.';
		actualSize.textContent = 'Unknown';
	});
	box.dataset.state = 'waiting';
	box.append(picture, note);
	loader.watch(box, picture, previewSource(image.url));
	return box;
}

/** Creates the <li> card for the image at position index (from 0) of the results. */
export function createCard(image, index, loader) {
	const number = index + 1;
	const card = element('li', 'card');
	card.id = `image-${number}`;
	card.dataset.index = String(index);
	card.dataset.url = image.url;

	const caption = element('p', 'caption');
	caption.id = `image-${number}-caption`;
	if (typeof image.alt === 'string' && image.alt.trim()) {
		caption.textContent = image.alt;
	} else {
		caption.textContent = `Image ${number} (no alt text)`;
		caption.classList.add('caption-missing');
	}
	card.setAttribute('aria-labelledby', caption.id);

	const facts = element('dl', 'facts');
	addFact(facts, 'Source', KIND_NAMES[image.kind] || String(image.kind || 'Unknown'));
	addFact(facts, 'Declared size', describeDeclaredSize(image));
	const actualSize = addFact(facts, 'Actual size', 'Not loaded yet');
	const file = addFact(facts, 'File', '');
	const address = webAddress(image.url);
	if (address) {
		const link = element('a', null, fileName(image.url));
		link.href = address;
		link.rel = 'noopener noreferrer';
		link.target = '_blank';
		file.append(link);
	} else {
		file.textContent = fileName(image.url);
	}

	const pick = element('label', 'pick');
	const box = element('input');
	box.type = 'checkbox';
	box.name = 'image';
	box.value = String(index);
	pick.append(box, ' Select', element('span', 'visually-hidden', ` image ${number}`));

	card.append(createPreview(image, loader, actualSize), caption, facts, pick);
	return card;
}
