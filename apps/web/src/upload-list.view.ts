import { h } from './dom';
import { formatBytes } from './messages';
import type { UploadItem } from './upload.queue';

export interface UploadActions {
  retry(item: UploadItem): void;
  cancel(item: UploadItem): void;
}

/** One row per file: name, size, its own progress bar, status in words, Retry when useful, Cancel while sending. */
export class UploadListView {
  private readonly rows = new Map<number, Row>();

  constructor(
    private readonly list: HTMLUListElement,
    private readonly actions: UploadActions,
  ) {}

  render(item: UploadItem): void {
    const row = this.rows.get(item.key) ?? this.create(item);
    const percent = Math.round(item.progress * 100);
    row.element.className = `upload upload--${item.phase}`;
    row.element.dataset.phase = item.phase;
    row.progress.hidden = item.phase === 'refused';
    row.progress.value = percent;
    row.progress.textContent = `${percent}%`;
    row.status.textContent = item.phase === 'uploading' ? `Uploading… ${percent}%` : item.message;
    row.retry.hidden = !(item.phase === 'failed' && item.retryable);
    row.cancel.hidden = !['queued', 'preparing', 'uploading', 'failed'].includes(item.phase);
    const thumbnail = item.prepared?.thumbnail;
    if (thumbnail && !row.preview.src) row.preview.src = URL.createObjectURL(thumbnail.blob);
  }

  remove(items: Iterable<UploadItem>): void {
    for (const item of items) {
      const row = this.rows.get(item.key);
      if (!row) continue;
      if (row.preview.src) URL.revokeObjectURL(row.preview.src);
      row.element.remove();
      this.rows.delete(item.key);
    }
  }

  clear(): void {
    for (const row of this.rows.values()) if (row.preview.src) URL.revokeObjectURL(row.preview.src);
    this.rows.clear();
    this.list.replaceChildren();
  }

  private create(item: UploadItem): Row {
    const name = item.file.name || 'Unnamed file';
    const preview = h('img', { className: 'upload__preview', alt: '', width: 48, height: 48 });
    const progress = h('progress', { max: 100, value: 0, 'aria-label': `Upload progress for ${name}` });
    const status = h('p', { className: 'upload__status' });
    const retry = h('button', { type: 'button', className: 'button button--small', hidden: true }, 'Retry');
    retry.setAttribute('aria-label', `Retry ${name}`);
    retry.addEventListener('click', () => {
      // The button hides itself; focus moves to its row instead of falling back to the page.
      element.focus();
      this.actions.retry(item);
    });
    const cancel = h('button', { type: 'button', className: 'button button--small', hidden: true }, 'Cancel');
    cancel.setAttribute('aria-label', `Cancel ${name}`);
    cancel.addEventListener('click', () => {
      element.focus();
      this.actions.cancel(item);
    });
    const element = h(
      'li',
      { className: 'upload', tabindex: -1 },
      preview,
      h(
        'div',
        { className: 'upload__body' },
        h(
          'div',
          { className: 'upload__head' },
          h('span', { className: 'upload__name' }, name),
          h('span', { className: 'upload__size' }, formatBytes(item.file.size)),
        ),
        progress,
        status,
      ),
      retry,
      cancel,
    );
    this.list.append(element);
    const row = { element, preview, progress, status, retry, cancel };
    this.rows.set(item.key, row);
    return row;
  }
}

interface Row {
  element: HTMLLIElement;
  preview: HTMLImageElement;
  progress: HTMLProgressElement;
  status: HTMLParagraphElement;
  retry: HTMLButtonElement;
  cancel: HTMLButtonElement;
}
