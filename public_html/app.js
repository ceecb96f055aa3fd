// The visitor's page: extract the images of a web page, choose some, export them as a ZIP file.
//
// The page keeps nothing about the visitor: no cookies, no Web Storage. The
// only state that survives a reload is the page address in the location
// fragment (#u=base64url), which never reaches the server.

import { decodeBase64Url, encodeBase64Url } from './js/encoding.js';
import { describeError, downloadAddress, exportImages, extractImages } from './js/api.js';
import { createCard } from './js/cards.js';
import { PreviewLoader } from './js/previews.js';

/* Maximum page address length that the programs accept, in UTF-8 bytes (URL_MAX_LEN in src/url.h). */
const MAX_ADDRESS_BYTES = 2048;

const form = document.getElementById('extract-form');
const addressInput = document.getElementById('address');
const statusLine = document.getElementById('status');
const results = document.getElementById('results');
const pageInfo = document.getElementById('page-info');
const cardList = document.getElementById('cards');
const counts = document.getElementById('counts');
const selectAllButton = document.getElementById('select-all');
const selectNoneButton = document.getElementById('select-none');
const zipNameInput = document.getElementById('zip-name');
const exportButton = document.getElementById('export-button');
const progressBox = document.getElementById('export-progress-box');
const progressBar = document.getElementById('export-progress');
const progressText = document.getElementById('export-progress-text');
const downloadLink = document.getElementById('download-link');
const failures = document.getElementById('export-failures');
const failuresSummary = document.getElementById('export-failures-summary');
const failuresList = document.getElementById('export-failures-list');

let images = [];
let loader = null;
let extraction = null;      // AbortController of the running extraction
let exporting = null;       // AbortController of the running export

/** Shows text in the status line. The state ("busy", "done", "error" or "") selects its style. */
function setStatus(text, state = '') {
	statusLine.textContent = text;
	statusLine.dataset.state = state;
}

/* Formats a byte count for people: "820 bytes", "14.2 kB", "3.1 MB". */
function formatBytes(count) {
	if (!Number.isFinite(count) || count < 1000)
		return `${count} bytes`;
	if (count < 1000 * 1000)
		return `${(count / 1000).toFixed(1)} kB`;
	return `${(count / 1000 / 1000).toFixed(1)} MB`;
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
	images = [];
	cardList.replaceChildren();
	pageInfo.replaceChildren();
	results.hidden = true;
	resetExportPanel();
	updateCounts();
}

/* Returns the check boxes of the cards. */
function checkBoxes() {
	return cardList.querySelectorAll('input[type="checkbox"]');
}

function selectedIndexes() {
	return Array.from(checkBoxes())
		.filter((box) => box.checked)
		.map((box) => Number(box.value));
}

function updateCounts() {
	const shownCount = images.length;
	const selectedCount = selectedIndexes().length;
	counts.textContent = `${shownCount} shown, ${selectedCount} selected`;
	exportButton.disabled = selectedCount === 0 || exporting !== null;
	exportButton.textContent = selectedCount > 0 ? `Export ${imageCount(selectedCount)}` : 'Export selected';
	selectAllButton.disabled = shownCount === 0;
	selectNoneButton.disabled = shownCount === 0;
}

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
	images = result.images;
	loader = new PreviewLoader();
	const fragment = document.createDocumentFragment();
	images.forEach((image, index) => fragment.append(createCard(image, index, loader)));
	cardList.replaceChildren(fragment);
	showPageInfo(result.page);
	results.hidden = false;
	updateCounts();

	let message = images.length === 0
		? 'No images were found on this page. Check that it is the page that shows them.'
		: `Found ${imageCount(images.length)}. Select the ones you want, then choose Export.`;
	if (result.truncated)
		message += ' The page has more images than the server lists at once, so only the first ones are shown.';
	setStatus(message, 'done');
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
	setStatus('Fetching the page and looking for images…', 'busy');
	results.setAttribute('aria-busy', 'true');
	try {
		const result = await extractImages(address, document.body.dataset.pageLabel, controller.signal);
		if (extraction !== controller)
			return;
		extraction = null;
		showResults(result);
	} catch (error) {
		if (error.name === 'AbortError' || extraction !== controller)
			return;
		extraction = null;
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
		setStatus(error.message, 'error');
		addressInput.focus();
		return;
	}
	addressInput.value = address;
	runExtraction(address);
}

/* Lists one failed image of an export; event.index is its position in urls. */
function recordFailure(event, urls) {
	const item = document.createElement('li');
	const address = typeof event.url === 'string' ? event.url : urls[event.index] || '';
	item.textContent = `${address}: ${event.error || 'failed'}`;
	failuresList.append(item);
	failuresSummary.textContent = `${imageCount(failuresList.children.length)} could not be added`;
	failures.hidden = false;
}

function startDownload(token, name) {
	downloadLink.href = downloadAddress(token, name);
	downloadLink.setAttribute('download', '');
	downloadLink.hidden = false;
	downloadLink.click();
}

/* Exports the selected images, showing progress, then starts the download of the ZIP file. */
async function runExport() {
	const indexes = selectedIndexes();
	if (indexes.length === 0 || exporting)
		return;
	const controller = new AbortController();
	exporting = controller;
	updateCounts();
	resetExportPanel();
	progressBox.hidden = false;
	progressBar.max = indexes.length;
	progressText.textContent = `Fetching 0 of ${imageCount(indexes.length)}…`;
	setStatus(`Exporting ${imageCount(indexes.length)}…`, 'busy');

	const urls = indexes.map((index) => images[index].url);
	const name = zipNameInput.value.trim();
	let processed = 0;
	const onImage = (event) => {
		processed += 1;
		progressBar.value = Math.min(processed, indexes.length);
		progressText.textContent = `Fetched ${processed} of ${imageCount(indexes.length)}…`;
		if (event.status !== 'ok')
			recordFailure(event, urls);
	};
	try {
		const done = await exportImages(urls, name, onImage, controller.signal);
		if (exporting !== controller)
			return;
		progressBar.value = progressBar.max;
		const failedText = done.failed > 0 ? `, ${done.failed} failed` : '';
		progressText.textContent = `Done: ${imageCount(done.count)} in the ZIP file (${formatBytes(done.bytes)})${failedText}.`;
		setStatus('The ZIP file is ready and your download starts now. If it does not, use Download again.', 'done');
		startDownload(done.token, name);
	} catch (error) {
		if (error.name === 'AbortError' || exporting !== controller)
			return;
		progressText.textContent = 'The export failed.';
		setStatus(describeError(error), 'error');
	} finally {
		if (exporting === controller)
			exporting = null;
		updateCounts();
	}
}

function setAllChecked(checked) {
	for (const box of checkBoxes())
		box.checked = checked;
	updateCounts();
}

/* Extracts the address in the location fragment, unless it is already shown (or force is set). */
function startFromFragment(force = false) {
	const address = addressFromFragment();
	if (!address || (!force && address === addressInput.value))
		return;
	addressInput.value = address;
	submitAddress();
}

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

cardList.addEventListener('change', updateCounts);
selectAllButton.addEventListener('click', () => setAllChecked(true));
selectNoneButton.addEventListener('click', () => setAllChecked(false));
exportButton.addEventListener('click', runExport);
window.addEventListener('hashchange', () => startFromFragment());

updateCounts();
// A reload may have restored the field's old value, so always extract here.
startFromFragment(true);
