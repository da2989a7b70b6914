import { USER_ID_PATTERN } from '../../../libs/contracts/src/object-key';
import { ApiClient, ApiError, NetworkError } from './api.client';
import { readClientConfig } from './client.config';
import { announcer, byId } from './dom';
import { GalleryView } from './gallery.view';
import { formatBytes } from './messages';
import { UploadListView } from './upload-list.view';
import { isFinished, UploadQueue, type UploadQueueEvents } from './upload.queue';

interface Session {
  userId: string;
  token: string;
  expiresAt: string;
}

// sessionStorage: a reload keeps the demo user signed in, closing the tab forgets the token.
const SESSION_KEY = 'image-uploads.session';

const config = readClientConfig(document);
const announce = announcer(byId('announcer'));
const signInSection = byId('sign-in-section');
const signInForm = byId<HTMLFormElement>('sign-in-form');
const nameInput = byId<HTMLInputElement>('user-name');
const signInButton = byId<HTMLButtonElement>('sign-in-button');
const signInError = byId('sign-in-error');
const sessionBar = byId('session');
const workspace = byId('workspace');
const fileInput = byId<HTMLInputElement>('file-input');
const dropZone = byId('drop-zone');
const clearFinished = byId<HTMLButtonElement>('clear-finished');

const api = new ApiClient(() => signOut('Your session expired. Sign in again.'));
const names = new Map<string, string>();
const gallery = new GalleryView(
  api,
  {
    list: byId('gallery'),
    status: byId('gallery-status'),
    loadMore: byId('load-more'),
    heading: byId('gallery-heading'),
  },
  names,
  announce,
);
const uploadList = new UploadListView(byId('upload-list'), {
  retry: (item) => queue.retry(item),
  cancel: (item) => queue.cancel(item),
});
const queueEvents: UploadQueueEvents = {
  changed(item) {
    if (item.session) names.set(item.session.uploadId, item.file.name);
    uploadList.render(item);
    clearFinished.hidden = !queue.all.some((each) => isFinished(each.phase));
  },
  settled(item) {
    const name = item.file.name;
    if (item.phase === 'ready') {
      announce(`${name} is ready.`);
      gallery.scheduleRefresh();
    } else {
      announce(`${name}: ${item.message}`);
    }
  },
};
let queue = new UploadQueue(api, config, queueEvents);

byId('max-size').textContent = formatBytes(config.maxBytes);

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn(nameInput.value);
});
byId('sign-out').addEventListener('click', () => signOut());
byId('refresh').addEventListener('click', () => void gallery.load(true));
clearFinished.addEventListener('click', () => {
  uploadList.remove(queue.removeFinished());
  clearFinished.hidden = true;
  fileInput.focus();
});

fileInput.addEventListener('change', () => {
  addFiles(fileInput.files);
  // Choosing the same file again must fire `change` again.
  fileInput.value = '';
});

// A file dropped just outside the zone would make the browser navigate away to show it.
for (const type of ['dragover', 'drop'] as const) window.addEventListener(type, (event) => event.preventDefault());
let dragDepth = 0;
dropZone.addEventListener('dragenter', () => {
  dragDepth++;
  dropZone.classList.add('drop-zone--active');
});
dropZone.addEventListener('dragleave', () => {
  if (--dragDepth <= 0) {
    dragDepth = 0;
    dropZone.classList.remove('drop-zone--active');
  }
});
dropZone.addEventListener('drop', (event) => {
  dragDepth = 0;
  dropZone.classList.remove('drop-zone--active');
  addFiles(event.dataTransfer?.files ?? null);
});

function addFiles(files: FileList | null): void {
  if (!files || files.length === 0) return;
  const added = queue.add(Array.from(files));
  const refused = added.filter((item) => item.phase === 'refused').length;
  announce(
    `${added.length - refused} file${added.length - refused === 1 ? '' : 's'} uploading` +
      (refused ? `, ${refused} not uploaded (see the list).` : '.'),
  );
}

/** Any name works: the dev token endpoint makes a demo user with that id. */
function toUserId(name: string): string {
  return name.trim().replace(/\s+/g, '-');
}

async function signIn(name: string): Promise<void> {
  const userId = toUserId(name);
  signInError.textContent = '';
  if (!USER_ID_PATTERN.test(userId)) {
    nameInput.setAttribute('aria-invalid', 'true');
    signInError.textContent =
      userId.length === 0 ? 'Type a name to sign in.' : 'Use letters, digits and . _ @ | : - only (up to 128).';
    nameInput.focus();
    return;
  }
  nameInput.removeAttribute('aria-invalid');
  signInButton.disabled = true;
  try {
    const { token, expiresAt } = await api.devToken(userId);
    const session = { userId, token, expiresAt };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    enter(session, true);
  } catch (error) {
    signInError.textContent =
      error instanceof ApiError && error.problem.status === 404
        ? 'Demo sign-in is turned off on this server (set DEV_TOKEN_ENABLED=true for local use).'
        : error instanceof NetworkError
          ? 'Could not reach the server. Is `npm start` running?'
          : `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    signInButton.disabled = false;
  }
}

function enter(session: Session, moveFocus: boolean): void {
  api.setToken(session.token);
  queue.signedInAs(session.userId);
  byId('signed-in-as').textContent = `Signed in as ${session.userId}`;
  signInSection.hidden = true;
  sessionBar.hidden = false;
  workspace.hidden = false;
  if (moveFocus) fileInput.focus();
  void gallery.load(true);
}

function signOut(reason?: string): void {
  sessionStorage.removeItem(SESSION_KEY);
  api.setToken(null);
  gallery.clear();
  queue.close();
  queue = new UploadQueue(api, config, queueEvents);
  uploadList.clear();
  clearFinished.hidden = true;
  names.clear();
  workspace.hidden = true;
  sessionBar.hidden = true;
  signInSection.hidden = false;
  signInError.textContent = reason ?? '';
  nameInput.focus();
}

function restoreSession(): Session | null {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    // A token about to expire would fail mid-upload; asking for a new one is cheaper.
    return session && Date.parse(session.expiresAt) - Date.now() > 5 * 60_000 ? session : null;
  } catch {
    return null;
  }
}

const saved = restoreSession();
if (saved) enter(saved, false);
else nameInput.focus();
