import { ApiClient, type Image } from './api.client';
import { h } from './dom';
import { failureMessage, formatBytes } from './messages';

export interface GalleryElements {
  list: HTMLUListElement;
  status: HTMLElement;
  loadMore: HTMLButtonElement;
  heading: HTMLElement;
}

const PAGE_SIZE = 24;
const CONFIRM_MS = 4000;

/** The user's images, newest first, with the browser-made thumbnails and a delete button. */
export class GalleryView {
  private readonly cards = new Map<string, HTMLLIElement>();
  private nextCursor: string | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly elements: GalleryElements,
    /** Filenames of this tab's uploads: the API keeps the name on the upload, not the image. */
    private readonly names: Map<string, string>,
    private readonly announce: (message: string) => void,
  ) {
    elements.loadMore.addEventListener('click', () => void this.load(false));
  }

  /** Several uploads finishing together cause one reload, not one each. */
  scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.load(true), 300);
  }

  clear(): void {
    this.generation++;
    clearTimeout(this.refreshTimer);
    this.cards.clear();
    this.nextCursor = null;
    this.elements.list.replaceChildren();
    this.elements.loadMore.hidden = true;
    this.elements.status.textContent = '';
  }

  async load(reset: boolean): Promise<void> {
    const generation = this.generation;
    const { status, loadMore, list } = this.elements;
    if (reset && this.cards.size === 0) status.textContent = 'Loading your images…';
    loadMore.disabled = true;
    try {
      const page = await this.api.listImages(reset ? null : this.nextCursor, PAGE_SIZE);
      // Signed out (or reloaded) while this request was on its way: its answer is stale.
      if (generation !== this.generation) return;
      const cards = page.items.map((image) => this.card(image));
      if (reset) {
        const keep = new Set(page.items.map((image) => image.id));
        for (const [id, card] of this.cards) if (!keep.has(id)) this.forget(id, card);
        list.replaceChildren(...cards);
      } else {
        list.append(...cards);
      }
      this.nextCursor = page.nextCursor;
      loadMore.hidden = page.nextCursor === null;
      status.textContent = this.cards.size === 0 ? 'No images yet. Upload some above.' : '';
    } catch (error) {
      if (generation === this.generation)
        status.textContent = `Could not load your images. ${failureMessage(error).message}`;
    } finally {
      loadMore.disabled = false;
    }
  }

  /** An existing card is kept as it is, so a refresh does not reload (or flicker) its thumbnail. */
  private card(image: Image): HTMLLIElement {
    const existing = this.cards.get(image.id);
    if (existing && (existing.dataset.hasThumbnail === 'true' || !image.thumbnailUrl)) return existing;
    const name = this.names.get(image.uploadId);
    const created = new Date(image.createdAt);
    const when = created.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    const label = name ?? `Image from ${when}`;
    const picture = h('img', {
      src: image.thumbnailUrl ?? image.originalUrl,
      alt: label,
      width: image.width,
      height: image.height,
      loading: 'lazy',
      decoding: 'async',
    });
    picture.addEventListener('error', () => picture.replaceWith(h('span', { className: 'card__missing' }, label)), {
      once: true,
    });
    const remove = h('button', { type: 'button', className: 'button button--small button--danger' }, 'Delete');
    remove.setAttribute('aria-label', `Delete ${label}`);
    const card = h(
      'li',
      { className: 'card', 'data-image-id': image.id, 'data-has-thumbnail': String(Boolean(image.thumbnailUrl)) },
      h(
        'a',
        { className: 'card__link', href: image.originalUrl, target: '_blank', rel: 'noopener noreferrer' },
        picture,
        h('span', { className: 'visually-hidden' }, ' (open full size)'),
      ),
      h(
        'div',
        { className: 'card__meta' },
        name ? h('span', { className: 'card__name' }, name) : null,
        h('span', {}, `${image.width} × ${image.height}`),
        h('span', {}, `${image.contentType.replace('image/', '').toUpperCase()} · ${formatBytes(image.bytes)}`),
        h('time', { datetime: image.createdAt }, when),
      ),
      remove,
    );
    this.armDelete(remove, image, label, card);
    existing?.replaceWith(card);
    this.cards.set(image.id, card);
    return card;
  }

  /** Two presses: the first arms the button for a few seconds, so one slip deletes nothing. */
  private armDelete(button: HTMLButtonElement, image: Image, label: string, card: HTMLLIElement): void {
    let armed: ReturnType<typeof setTimeout> | undefined;
    const disarm = () => {
      clearTimeout(armed);
      armed = undefined;
      button.textContent = 'Delete';
      button.setAttribute('aria-label', `Delete ${label}`);
    };
    button.addEventListener('click', async () => {
      if (!armed) {
        button.textContent = 'Confirm delete';
        button.setAttribute('aria-label', `Confirm delete of ${label}`);
        armed = setTimeout(disarm, CONFIRM_MS);
        return;
      }
      clearTimeout(armed);
      button.disabled = true;
      button.textContent = 'Deleting…';
      try {
        await this.api.deleteImage(image.id);
      } catch (error) {
        button.disabled = false;
        disarm();
        this.elements.status.textContent = `Could not delete ${label}. ${failureMessage(error).message}`;
        return;
      }
      const next = (card.nextElementSibling ?? card.previousElementSibling)?.querySelector('button');
      this.forget(image.id, card);
      (next ?? this.elements.heading).focus();
      this.announce(`Deleted ${label}.`);
      if (this.cards.size === 0) this.elements.status.textContent = 'No images yet. Upload some above.';
    });
  }

  private forget(id: string, card: HTMLLIElement): void {
    card.remove();
    this.cards.delete(id);
  }
}
