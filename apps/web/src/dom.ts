/** A tiny element builder: enough for a few views without a framework. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string | number | boolean>> = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (name === 'className') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}

/** One polite live region for the whole page, so outcomes are read out once, not per row. */
export function announcer(region: HTMLElement): (message: string) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending: string[] = [];
  return (message) => {
    pending.push(message);
    clearTimeout(timer);
    // Batched: three files finishing together are one announcement, not three interrupting.
    timer = setTimeout(() => {
      region.textContent = pending.splice(0).join(' ');
    }, 250);
  };
}
