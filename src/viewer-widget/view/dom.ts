/** Small DOM helpers: every element gets a stable `jp-PipelineViewer-*` class and test id. */
export const PREFIX = 'jp-PipelineViewer';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls: string,
  attrs: Record<string, string> = {},
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = cls ? `${PREFIX}-${cls}` : PREFIX;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A test id safe for CSS selectors (layer keys may contain spaces or slashes). */
export function testId(...parts: string[]): string {
  return ['pipeline-viewer', ...parts].join('-').replace(/[^A-Za-z0-9_.-]/g, '_');
}
