// A page that uploads with Uppy through the README's adapter (uppy-adapter.ts). Open it as
// index.html#api=<API base URL>&token=<bearer token>; the page's origin must be in WEB_ORIGINS.
// The browser test drives the same page through `window.uppy`.
import Uppy from '@uppy/core';
import GoldenRetriever from '@uppy/golden-retriever';
import { useImageApi } from './uppy-adapter';

declare global {
  interface Window {
    uppy: Uppy;
  }
}

const settings = new URLSearchParams(location.hash.slice(1));
// Golden Retriever keeps the chosen files (IndexedDB) and Uppy's state, so an upload interrupted by
// a page reload resumes: Upload then continues it (restore-confirmed) instead of starting anew.
const uppy = new Uppy({ autoProceed: false }).use(GoldenRetriever);
useImageApi(uppy, settings.get('api') ?? location.origin, settings.get('token') ?? '');
window.uppy = uppy;

const input = document.getElementById('files') as HTMLInputElement;
const log = document.getElementById('log') as HTMLOListElement;
const say = (text: string) => log.appendChild(document.createElement('li')).append(text);

input.addEventListener('change', () => {
  for (const file of Array.from(input.files ?? [])) uppy.addFile({ name: file.name, type: file.type, data: file });
  input.value = '';
});
document.getElementById('upload')!.addEventListener('click', () => {
  if (uppy.getState().recoveredState) uppy.emit('restore-confirmed');
  else void uppy.upload();
});
uppy.on('restored', () => say(`${uppy.getFiles().length} file(s) restored: press Upload to resume`));
uppy.on('upload-success', (file, response) => say(`${file?.name}: stored as ${String(response.body?.key)}`));
uppy.on('complete', ({ successful = [], failed = [] }) => {
  for (const file of successful) say(`${file.name}: READY`);
  for (const file of failed) say(`${file.name}: failed (${String(file.error)})`);
});
