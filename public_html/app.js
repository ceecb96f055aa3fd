// The visitor's page: extract the images of a web page, filter and choose some, export them as a ZIP file.
//
// The page keeps nothing about the visitor: no cookies, no Web Storage. The
// only state that survives a reload is the page address in the location
// fragment (#u=base64url), which never reaches the server.

import { decodeBase64Url, encodeBase64Url } from './js/encoding.js';
import { describeError, downloadAddress, exportImages, extractImages } from './js/api.js';
import { createCard, showVariant } from './js/cards.js';
import { chosenVariant, fileName, formatBytes, groupImages, matchesFilter, sortPictures } from './js/model.js';
import { PreviewLoader } from './js/previews.js';

/* Maximum page address length that the programs accept, in UTF-8 bytes (URL_MAX_LEN in src/url.h). */
const MAX_ADDRESS_BYTES = 2048;

/* After this many seconds of extraction the status line adds that slow sites take longer. */
const SLOW_SECONDS = 8;

const $ = (id) => document.getElementById(id);
const form = $('extract-form');
const addressInput = $('address');
const stopButton = $('stop-button');
const statusLine = $('status');
const elapsed = $('elapsed');
const results = $('results');
const pageInfo = $('page-info');
const cardList = $('cards');
const allHidden = $('all-hidden');
const counts = $('counts');
const filters = {
	details: $('filters'),
	text: $('filter-text'),
	type: $('filter-type'),
	kind: $('filter-kind'),
	minWidth: $('filter-min-width'),
	minHeight: $('filter-min-height'),
	tiny: $('filter-tiny'),
	sort: $('sort'),
	summary: $('filter-summary'),
};
const selectAllButton = $('select-all');
const selectNoneButton = $('select-none');
const selectInvertButton = $('select-invert');
const zipNameInput = $('zip-name');
const exportButton = $('export-button');
const cancelButton = $('cancel-button');
const copyButton = $('copy-button');
const saveButton = $('save-button');
const progressBox = $('export-progress-box');
const progressBar = $('export-progress');
const progressText = $('export-progress-text');
const downloadLink = $('download-link');
const failures = $('export-failures');
const failuresSummary = $('export-failures-summary');
const failuresList = $('export-failures-list');

let pictures = [];          // every picture of the current result, in page order
let displayed = [];         // the pictures in the current sort order
let loader = null;
let extraction = null;      // AbortController of the running extraction
let exporting = null;       // AbortController of the running export
let anchor = null;          // the picture last toggled, where a Shift-click range starts
let ticker = 0;             // interval that shows the seconds of a running extraction
let textFileUrl = null;     // blob: URL of the last saved address list
let downloadExpiry = 0;     // timer that hides "Download again" when the server deletes the archive

/** Shows text in the status line. The state ("busy", "done", "error" or "") selects its style. */
function setStatus(text, state = '') {
	statusLine.textContent = text;
	statusLine.dataset.state = state;
}

/* Returns "1 image" or "N images". */
function imageCount(count) {
	return count === 1 ? '1 image' : `${count} images`;
}

/**
 * Turns what the visitor typed into an absolute http or https address. An
 * address without "://" gets "https://" in front. Throws an Error whose
 * message is the sentence to show.
 */
function normalizeAddress(text) {
	let candidate = text.trim();
	if (!candidate)
		throw new Error('Enter the address of a web page, for example https://example.com/gallery.');
	if (/\s/.test(candidate))
		throw new Error('That is not a valid web address, because it contains spaces. Copy the address from your browser\'s address bar.');
	if (!candidate.includes('://'))
		candidate = `https://${candidate}`;
	let url;
	try {
		url = new URL(candidate);
	} catch {
		throw new Error('That is not a valid web address. Check it for typing mistakes, or copy it from your browser\'s address bar.');
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:')
		throw new Error('Only web pages can be read. Enter an address that begins with https:// or http:// instead.');
	if (url.username || url.password)
		throw new Error('Addresses with a user name or password are not accepted. Remove them and try again.');
	if (new TextEncoder().encode(url.href).length > MAX_ADDRESS_BYTES)
		throw new Error(`The address is longer than ${MAX_ADDRESS_BYTES} bytes. Use a shorter address for the same page.`);
	return url.href;
}

/* Reads the page address from a location fragment of the form #u=base64url, or returns null. */
function addressFromFragment() {
	const fragment = new URLSearchParams(window.location.hash.slice(1));
	const encoded = fragment.get('u');
	if (!encoded)
		return null;
	try {
		return decodeBase64Url(encoded);
	} catch {
		return null;
	}
}

/* Cancels whatever runs for the current results: extraction, previews, export. */
function cancelWork() {
	if (extraction)
		extraction.abort();
	if (exporting)
		exporting.abort();
	if (loader)
		loader.stop();
	extraction = null;
	exporting = null;
	loader = null;
	stopTicker();
}

function resetExportPanel() {
	progressBox.hidden = true;
	progressBar.value = 0;
	progressText.textContent = '';
	downloadLink.hidden = true;
	downloadLink.removeAttribute('href');
	failures.hidden = true;
	failures.open = false;
	failuresList.replaceChildren();
}

function clearResults() {
	pictures = [];
	displayed = [];
	anchor = null;
	cardList.replaceChildren();
	pageInfo.replaceChildren();
	results.hidden = true;
	resetExportPanel();
	updateCounts();
}

/* The pictures that are shown and selected, in display order: what an export or a copy takes. */
function selectedPictures() {
	return displayed.filter((picture) => picture.shown && picture.selected);
}

/* Describes the estimated archive size from the byte sizes known so far. */
function describeEstimate(selected) {
	if (selected.length === 0)
		return '';
	let bytes = 0;
	let known = 0;
	for (const picture of selected) {
		const size = chosenVariant(picture).bytes;
		if (size) {
			bytes += size;
			known += 1;
		}
	}
	if (known === 0)
		return ', archive size not known yet';
	if (known === selected.length)
		return `, archive about ${formatBytes(bytes)}`;
	return `, archive at least ${formatBytes(bytes)} (sizes known for ${known} of ${selected.length})`;
}

/* Updates the counts line and the buttons that depend on the selection. */
function updateCounts() {
	let shown = 0;
	for (const picture of pictures)
		shown += picture.shown ? 1 : 0;
	const selected = selectedPictures();
	counts.textContent = `${shown} shown, ${pictures.length - shown} hidden, ${selected.length} selected${describeEstimate(selected)}`;
	allHidden.hidden = pictures.length === 0 || shown > 0;
	exportButton.disabled = selected.length === 0 || exporting !== null;
	exportButton.textContent = selected.length > 0 ? `Export ${imageCount(selected.length)}` : 'Export selected';
	copyButton.disabled = selected.length === 0;
	saveButton.disabled = selected.length === 0;
	for (const button of [selectAllButton, selectNoneButton, selectInvertButton])
		button.disabled = shown === 0;
}

/* Reads the filter controls. */
function currentFilter() {
	const number = (input) => {
		const value = Number.parseInt(input.value, 10);
		return Number.isFinite(value) && value > 0 ? value : 0;
	};
	return {
		text: filters.text.value.trim().toLowerCase(),
		type: filters.type.value,
		kind: filters.kind.value,
		minWidth: number(filters.minWidth),
		minHeight: number(filters.minHeight),
		hideTiny: filters.tiny.checked,
	};
}

/* Shows or hides one card by the filter. */
function applyFilterTo(picture, filter) {
	const shown = matchesFilter(picture, filter);
	if (shown !== picture.shown) {
		picture.shown = shown;
		picture.card.hidden = !shown;
	}
}

/* Describes the active filters and sort order for the closed "Filter and sort" panel. */
function describeFilter(filter) {
	const parts = [];
	if (filter.text)
		parts.push(`containing “${filter.text}”`);
	if (filter.type)
		parts.push(filter.type);
	if (filters.kind.value)
		parts.push(filters.kind.selectedOptions[0].textContent.toLowerCase());
	if (filter.minWidth || filter.minHeight)
		parts.push(`at least ${filter.minWidth || 'any'} × ${filter.minHeight || 'any'} px`);
	if (filter.hideTiny)
		parts.push('tiny images hidden');
	if (filters.sort.value !== 'page')
		parts.push(`sorted by ${filters.sort.selectedOptions[0].textContent.toLowerCase()}`);
	return parts.length > 0 ? `: ${parts.join(', ')}` : '';
}

/* Applies the filter to every card, and the sort order when it changed. */
function applyFilters() {
	const filter = currentFilter();
	filters.summary.textContent = describeFilter(filter);
	for (const picture of pictures)
		applyFilterTo(picture, filter);
	const order = filters.sort.value;
	if (order !== cardList.dataset.order) {
		displayed = sortPictures(pictures, order);
		cardList.dataset.order = order;
		const fragment = document.createDocumentFragment();
		for (const picture of displayed)
			fragment.append(picture.card);
		cardList.append(fragment);
	}
	updateCounts();
}

/* Runs when a preview has revealed a picture's type, size or bytes, because the filter may now hide it. */
function onKnown(picture) {
	applyFilterTo(picture, currentFilter());
	updateCounts();
}

const cardHooks = { onKnown };

/* Shows the page title and final address above the cards. */
function showPageInfo(page) {
	pageInfo.replaceChildren();
	if (!page)
		return;
	const title = typeof page.title === 'string' && page.title.trim() ? page.title.trim() : null;
	const address = typeof page.final_url === 'string' && page.final_url ? page.final_url : page.url;
	if (title) {
		const cite = document.createElement('cite');
		cite.textContent = title;
		pageInfo.append('From ', cite);
		if (address)
			pageInfo.append(document.createElement('br'));
	}
	if (address) {
		const code = document.createElement('span');
		code.className = 'page-address';
		code.textContent = address;
		pageInfo.append(code);
	}
}

function showResults(result) {
	pictures = groupImages(result.images);
	loader = new PreviewLoader();
	const fragment = document.createDocumentFragment();
	pictures.forEach((picture, index) => fragment.append(createCard(picture, index + 1, loader, cardHooks)));
	cardList.replaceChildren(fragment);
	cardList.dataset.order = 'page';
	displayed = pictures.slice();
	showPageInfo(result.page);
	results.hidden = false;
	applyFilters();

	if (pictures.length === 0) {
		setStatus('No images were found on this page. Check that this is the page that shows them; '
			+ 'a page that builds its gallery with scripts after loading may list none.', 'error');
		return;
	}
	const variants = result.images.length > pictures.length
		? ` (${imageCount(result.images.length)}, counting each size)` : '';
	let message = `Found ${pictures.length === 1 ? '1 picture' : `${pictures.length} pictures`}${variants}. `
		+ 'Select the ones you want, then choose Export.';
	if (result.truncated)
		message += ' The page has more images than the server lists at once, so only the first ones are shown.';
	setStatus(message, 'done');
}

/* Shows how long the extraction runs, every second, beside the status line. */
function startTicker() {
	const started = performance.now();
	elapsed.textContent = '';
	ticker = setInterval(() => {
		const seconds = Math.round((performance.now() - started) / 1000);
		elapsed.textContent = `${seconds} s`;
		if (seconds === SLOW_SECONDS)
			setStatus('The server is still fetching the page. Large pages and slow sites take longer; '
				+ 'the server gives up after its time limit. Choose Stop to cancel.', 'busy');
	}, 1000);
}

function stopTicker() {
	clearInterval(ticker);
	ticker = 0;
	elapsed.textContent = '';
	stopButton.hidden = true;
}

/* Fetches the image list of address, shows it, and records the address in the location fragment. */
async function runExtraction(address) {
	cancelWork();
	clearResults();
	const controller = new AbortController();
	extraction = controller;
	const fragment = `#u=${encodeBase64Url(address)}`;
	if (window.location.hash !== fragment)
		history.replaceState(null, '', fragment);

	let host = address;
	try {
		host = new URL(address).host;
	} catch {
		// normalizeAddress accepted it, so this does not happen.
	}
	setStatus(`The server is fetching the page from ${host} and looking for images…`, 'busy');
	stopButton.hidden = false;
	startTicker();
	results.setAttribute('aria-busy', 'true');

	try {
		const result = await extractImages(address, document.body.dataset.pageLabel, controller.signal);
		if (extraction !== controller)
			return;
		extraction = null;
		stopTicker();
		showResults(result);
	} catch (error) {
		if (error.name === 'AbortError' || extraction !== controller)
			return;
		extraction = null;
		stopTicker();
		setStatus(describeError(error), 'error');
	} finally {
		if (!extraction)
			results.removeAttribute('aria-busy');
	}
}

function submitAddress() {
	let address;
	try {
		address = normalizeAddress(addressInput.value);
	} catch (error) {
		cancelWork();
		clearResults();
		setStatus(error.message, 'error');
		addressInput.focus();
		return;
	}
	addressInput.value = address;
	runExtraction(address);
}

/* Lists one failed image of an export by file name with the reason; event.index is its position in urls. */
function recordFailure(event, urls) {
	const item = document.createElement('li');
	const address = typeof event.url === 'string' ? event.url : urls[event.index] || '';
	item.textContent = `${fileName(address)}: ${event.error || 'failed'}`;
	item.title = address;
	failuresList.append(item);
	failuresSummary.textContent = `${imageCount(failuresList.children.length)} could not be added`;
	failures.hidden = false;
}

function startDownload(token, name, expiresIn) {
	downloadLink.href = downloadAddress(token, name);
	downloadLink.setAttribute('download', '');
	downloadLink.hidden = false;
	downloadLink.click();
	// The server deletes the archive after its retention time; the link goes with it.
	clearTimeout(downloadExpiry);
	const seconds = Number(expiresIn);
	if (seconds > 0) {
		downloadExpiry = setTimeout(() => {
			downloadLink.hidden = true;
			downloadLink.removeAttribute('href');
		}, Math.min(seconds * 1000, 2147483647));
	}
}

/* Shows the export's progress: images done of total, bytes so far, failures. */
function showProgress(done, total, bytes, failed) {
	progressBar.value = Math.min(done, total);
	const failedText = failed > 0 ? `, ${failed} failed` : '';
	progressText.textContent = `Fetched ${done} of ${imageCount(total)} (${formatBytes(bytes)})${failedText}…`;
}

/* Exports the selected pictures, showing progress, then starts the download of the ZIP file. */
async function runExport() {
	const selected = selectedPictures();
	if (selected.length === 0 || exporting)
		return;
	const controller = new AbortController();
	exporting = controller;
	updateCounts();
	resetExportPanel();
	progressBox.hidden = false;
	progressBar.max = selected.length;
	cancelButton.hidden = false;
	showProgress(0, selected.length, 0, 0);
	setStatus(`Exporting ${imageCount(selected.length)}…`, 'busy');

	const urls = selected.map((picture) => chosenVariant(picture).url);
	const name = zipNameInput.value.trim();
	let processed = 0;
	let bytes = 0;
	let failed = 0;
	const onImage = (event) => {
		processed += 1;
		if (event.status === 'ok') {
			bytes += Number(event.bytes) || 0;
		} else {
			failed += 1;
			recordFailure(event, urls);
		}
		showProgress(processed, selected.length, bytes, failed);
	};
	try {
		const done = await exportImages(urls, name, onImage, controller.signal);
		if (exporting !== controller)
			return;
		progressBar.value = progressBar.max;
		const failedText = done.failed > 0 ? `, ${done.failed} failed` : '';
		progressText.textContent = `Done: ${imageCount(done.count)} in the ZIP file (${formatBytes(done.bytes)})${failedText}.`;
		setStatus('The ZIP file is ready and your download starts now. If it does not, use Download again; '
			+ 'the server deletes the file after a while.', 'done');
		startDownload(done.token, name, done.expires_in);
	} catch (error) {
		if (exporting !== controller)
			return;
		if (error.name === 'AbortError') {
			progressText.textContent = `Cancelled after ${processed} of ${imageCount(selected.length)}.`;
			setStatus('Export cancelled. The server stopped and kept no ZIP file.', '');
			return;
		}
		progressText.textContent = 'The export failed.';
		setStatus(describeError(error), 'error');
	} finally {
		if (exporting === controller)
			exporting = null;
		cancelButton.hidden = true;
		updateCounts();
	}
}

/* Sets the selection of the given pictures, keeping each card's check box in step. */
function setSelected(list, selected) {
	for (const picture of list) {
		if (picture.selected === selected)
			continue;
		picture.selected = selected;
		picture.view.checkbox.checked = selected;
		picture.card.classList.toggle('selected', selected);
	}
}

/*
 * Handles a click anywhere on the card list: a click on a card outside its
 * links and controls toggles the card, and Shift extends the toggle to
 * every shown card from the last one toggled.
 */
function onCardClick(event) {
	const target = event.target;
	const card = target.closest('li.card');
	if (!card)
		return;
	if (target.closest('a, select, label.variants'))
		return;
	// A click on the check box's label also dispatches a click on the box itself; act on that one.
	if (target.closest('label.pick') && target.type !== 'checkbox')
		return;
	const picture = pictures[Number(card.dataset.id)];
	const box = picture.view.checkbox;
	if (target !== box)
		box.checked = !box.checked;
	const selected = box.checked;
	if (event.shiftKey && anchor && anchor !== picture && anchor.shown) {
		const from = displayed.indexOf(anchor);
		const to = displayed.indexOf(picture);
		const range = displayed.slice(Math.min(from, to), Math.max(from, to) + 1);
		setSelected(range.filter((p) => p.shown), selected);
		// Shift-click on text would also extend the text selection.
		window.getSelection().removeAllRanges();
	} else {
		picture.selected = !selected;
		setSelected([picture], selected);
	}
	anchor = picture;
	updateCounts();
}

/* Switches a card to the size variant picked in its select. */
function onVariantChange(event) {
	const select = event.target;
	if (select.dataset.role !== 'variant')
		return;
	const picture = pictures[Number(select.closest('li.card').dataset.id)];
	picture.chosen = Number(select.value);
	showVariant(picture, loader, cardHooks);
	applyFilterTo(picture, currentFilter());
	updateCounts();
}

/* Returns the addresses of the selected pictures, one a line. */
function selectedAddressText() {
	return `${selectedPictures().map((picture) => chosenVariant(picture).url).join('\n')}\n`;
}

async function copyAddresses() {
	const count = selectedPictures().length;
	try {
		await navigator.clipboard.writeText(selectedAddressText());
		setStatus(`Copied ${count === 1 ? '1 address' : `${count} addresses`} to the clipboard.`, 'done');
	} catch {
		setStatus('The browser did not allow copying to the clipboard. Use “Save as text file” instead.', 'error');
	}
}

/* Downloads the selected addresses as a text file through a blob: URL; nothing is sent to the server. */
function saveAddresses() {
	if (textFileUrl)
		URL.revokeObjectURL(textFileUrl);
	textFileUrl = URL.createObjectURL(new Blob([selectedAddressText()], { type: 'text/plain;charset=utf-8' }));
	const link = document.createElement('a');
	link.href = textFileUrl;
	link.download = `${zipNameInput.value.trim() || 'image-addresses'}.txt`;
	link.hidden = true;
	document.body.append(link);
	link.click();
	link.remove();
}

/* Extracts the address in the location fragment, unless it is already shown (or force is set). */
function startFromFragment(force = false) {
	const address = addressFromFragment();
	if (!address || (!force && address === addressInput.value))
		return;
	addressInput.value = address;
	submitAddress();
}

// The browser's own check of the address field is for the form without
// JavaScript; here normalizeAddress checks it and explains the problem.
form.noValidate = true;
form.addEventListener('submit', (event) => {
	event.preventDefault();
	submitAddress();
});

// Pasting an address starts the extraction at once. The field contains the
// new value only after the paste event has been handled, hence the timeout.
addressInput.addEventListener('paste', (event) => {
	const pasted = event.clipboardData ? event.clipboardData.getData('text') : '';
	if (!pasted.trim() || /\s/.test(pasted.trim()))
		return;
	setTimeout(submitAddress, 0);
});

stopButton.addEventListener('click', () => {
	cancelWork();
	setStatus('Stopped. Enter an address to try again.', '');
	results.removeAttribute('aria-busy');
	addressInput.focus();
});

cardList.addEventListener('click', onCardClick);
cardList.addEventListener('change', onVariantChange);
for (const control of [filters.text, filters.minWidth, filters.minHeight])
	control.addEventListener('input', applyFilters);
for (const control of [filters.type, filters.kind, filters.tiny, filters.sort])
	control.addEventListener('change', applyFilters);
selectAllButton.addEventListener('click', () => {
	setSelected(displayed.filter((picture) => picture.shown), true);
	updateCounts();
});
selectNoneButton.addEventListener('click', () => {
	setSelected(pictures, false);
	updateCounts();
});
selectInvertButton.addEventListener('click', () => {
	for (const picture of displayed)
		if (picture.shown)
			setSelected([picture], !picture.selected);
	updateCounts();
});
exportButton.addEventListener('click', runExport);
cancelButton.addEventListener('click', () => {
	if (exporting)
		exporting.abort();
});
copyButton.addEventListener('click', copyAddresses);
saveButton.addEventListener('click', saveAddresses);
window.addEventListener('hashchange', () => startFromFragment());

updateCounts();
// A reload may have restored the field's old value, so always extract here.
startFromFragment(true);
