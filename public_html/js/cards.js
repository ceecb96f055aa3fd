// The result cards: one list item per picture, with its preview, facts, size variants and a check box.
//
// Every string here that comes from the fetched page (addresses, alt text,
// descriptors) is set with textContent or as an attribute value, never
// parsed as HTML.

import { describeError } from './api.js';
import { chosenVariant, fileName, formatBytes, KIND_NAMES, typeFromMediaType, variantType } from './model.js';

/* Creates an element with an optional class and text. */
function element(tag, className, text) {
	const node = document.createElement(tag);
	if (className)
		node.className = className;
	if (text !== undefined)
		node.textContent = text;
	return node;
}

/** Describes the size the markup declares: "640 × 480", "640 wide", "(2x)", or "" when none. */
export function describeDeclaredSize(variant) {
	const parts = [];
	if (variant.declaredWidth && variant.declaredHeight)
		parts.push(`${variant.declaredWidth} × ${variant.declaredHeight}`);
	else if (variant.declaredWidth)
		parts.push(`${variant.declaredWidth} wide`);
	else if (variant.declaredHeight)
		parts.push(`${variant.declaredHeight} high`);
	if (variant.descriptor)
		parts.push(`(${variant.descriptor})`);
	return parts.join(' ');
}

/* Describes the pixel size: known from the image, else what the page declares, else that it is unknown yet. */
function describeSize(variant) {
	if (variant.pixelWidth && variant.pixelHeight)
		return `${variant.pixelWidth} × ${variant.pixelHeight} px`;
	const declared = describeDeclaredSize(variant);
	return declared ? `${declared} declared` : 'Not known yet';
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

/* Describes one variant in the size list by its pixel size when known, else its declared size, else its file name. */
function variantLabel(variant) {
	if (variant.pixelWidth && variant.pixelHeight)
		return `${variant.pixelWidth} × ${variant.pixelHeight} px`;
	return describeDeclaredSize(variant) || fileName(variant.url);
}

/**
 * Creates the <li> card of a picture, shown as number (from 1). The card
 * keeps references to its parts in picture.view for the updates below.
 * hooks.onKnown(picture) runs when the preview has revealed the chosen variant's
 * type, size or bytes.
 */
export function createCard(picture, number, loader, hooks) {
	const card = element('li', 'card');
	card.id = `picture-${number}`;
	card.dataset.id = String(picture.id);

	const variant = chosenVariant(picture);
	const thumb = element('div', 'thumb');
	const image = element('img');
	image.alt = '';
	image.decoding = 'async';
	const note = element('p', 'thumb-note', 'Preview loads when in view');
	thumb.append(image, note);

	const caption = element('p', 'caption');
	caption.id = `picture-${number}-caption`;
	if (variant.alt.trim()) {
		caption.textContent = variant.alt;
	} else {
		caption.textContent = `Picture ${number} (no alt text)`;
		caption.classList.add('caption-missing');
	}
	card.setAttribute('aria-labelledby', caption.id);

	const facts = element('dl', 'facts');
	const view = {
		card, thumb, image, note, caption,
		source: addFact(facts, 'Source', ''),
		size: addFact(facts, 'Size', ''),
		type: addFact(facts, 'Type', ''),
		bytes: addFact(facts, 'File size', ''),
		file: addFact(facts, 'File', ''),
		checkbox: null,
		variants: null,
	};
	picture.view = view;
	card.append(thumb, caption, facts);

	if (picture.variants.length > 1) {
		const label = element('label', 'variants');
		const select = element('select');
		select.dataset.role = 'variant';
		picture.variants.forEach((v, index) => {
			const option = element('option', null, variantLabel(v));
			option.value = String(index);
			select.append(option);
		});
		select.value = String(picture.chosen);
		label.append(`Size to export (${picture.variants.length} offered)`, select);
		view.variants = select;
		card.append(label);
	}

	const pick = element('label', 'pick');
	const box = element('input');
	box.type = 'checkbox';
	box.value = String(picture.id);
	pick.append(box, ' Select', element('span', 'visually-hidden', ` picture ${number}`));
	view.checkbox = box;
	card.append(pick);

	picture.card = card;
	showVariant(picture, loader, hooks);
	return card;
}

/* Writes the facts of the chosen variant into the card. */
export function updateFacts(picture) {
	const view = picture.view;
	const variant = chosenVariant(picture);
	view.source.textContent = KIND_NAMES[variant.kind] || variant.kind || 'Unknown';
	view.size.textContent = describeSize(variant);
	const type = variantType(variant);
	view.type.textContent = variant.type ? type : (type ? `${type} (from the name)` : 'Not known yet');
	view.bytes.textContent = variant.bytes ? formatBytes(variant.bytes) : 'Not known yet';
	if (view.variants) {
		const option = view.variants.options[picture.chosen];
		option.textContent = variantLabel(variant);
	}

	view.file.replaceChildren();
	const address = webAddress(variant.url);
	if (address) {
		const link = element('a', null, fileName(variant.url));
		link.href = address;
		link.rel = 'noopener noreferrer';
		link.target = '_blank';
		view.file.append(link);
	} else {
		view.file.textContent = fileName(variant.url);
	}
}

/** Shows the chosen variant of a picture: its address, facts, and a preview that loads when in view. */
export function showVariant(picture, loader, hooks) {
	const view = picture.view;
	const variant = chosenVariant(picture);
	view.card.dataset.url = variant.url;
	view.thumb.dataset.state = 'waiting';
	view.image.removeAttribute('src');
	view.note.textContent = 'Preview loads when in view';
	updateFacts(picture);

	const isCurrent = () => chosenVariant(picture) === variant;
	view.image.onload = () => {
		if (!isCurrent())
			return;
		variant.pixelWidth = view.image.naturalWidth || variant.pixelWidth;
		variant.pixelHeight = view.image.naturalHeight || variant.pixelHeight;
		view.thumb.dataset.state = 'loaded';
		updateFacts(picture);
		hooks.onKnown(picture);
	};
	view.image.onerror = () => {
		if (!isCurrent() || !view.image.getAttribute('src'))
			return;
		view.thumb.dataset.state = 'failed';
		view.note.textContent = 'No preview: the browser cannot show this file.';
	};
	loader.watch(view.card, variant.url, (preview) => {
		if (!isCurrent())
			return;
		variant.type = typeFromMediaType(preview.mediaType) || variant.type;
		variant.bytes = preview.bytes || variant.bytes;
		view.note.textContent = 'Loading preview…';
		view.image.src = preview.objectUrl;
		updateFacts(picture);
		hooks.onKnown(picture);
	}, (error) => {
		if (!isCurrent())
			return;
		view.thumb.dataset.state = 'failed';
		view.note.textContent = error.code === 'rate_limited'
			? `No preview: ${describeError(error)}`
			: 'No preview: the file could not be fetched, or it is not an image.';
	});
}
